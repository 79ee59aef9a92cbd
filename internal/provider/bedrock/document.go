package bedrock

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	smithydocument "github.com/aws/smithy-go/document"
)

// toDocument turns raw JSON into the SDK's document type. The value is
// re-parsed into plain maps, slices and smithy Numbers because the SDK's
// document encoder is reflection based: handed a json.RawMessage it writes a
// list of byte values, and a json.Number becomes a quoted string. Numbers are
// kept as their original digits so large integers and exact decimals reach
// Bedrock unchanged.
func toDocument(raw json.RawMessage) (document.Interface, error) {
	v, err := parseJSON(raw)
	if err != nil {
		return nil, err
	}
	return document.NewLazyDocument(v), nil
}

func parseJSON(raw json.RawMessage) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("trailing data after JSON value")
	}
	return smithyNumbers(v), nil
}

func smithyNumbers(v any) any {
	switch t := v.(type) {
	case json.Number:
		return smithydocument.Number(t.String())
	case map[string]any:
		for k, e := range t {
			t[k] = smithyNumbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = smithyNumbers(e)
		}
	}
	return v
}

// fromDocument returns a document's JSON. Documents decoded from a response
// hold json.Number leaves, so the digits Bedrock sent come back unchanged.
func fromDocument(d document.Interface) (json.RawMessage, error) {
	if d == nil {
		return nil, nil
	}
	b, err := d.MarshalSmithyDocument()
	if err != nil {
		return nil, err
	}
	return json.RawMessage(b), nil
}
