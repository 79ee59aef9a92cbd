// Package advise serves the model advisor over HTTP: POST /advise takes the
// advisor's request as JSON (the `basalt advise` flags in snake_case, plus
// an optional free-text "text") and answers the same JSON as
// `basalt advise --json`. Errors use the Bedrock error shape.
package advise

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/advisor"
	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
	"github.com/basalt-gateway/basalt/internal/server"
)

// MaxBody bounds a request body.
const MaxBody = 64 << 10

// Handler answers POST /advise from one catalog.
type Handler struct {
	Catalog *catalog.Catalog
	// Served, if set, says which providers of the running gateway serve a
	// model id (app.App.Served); picks it serves say so, and
	// "served_only": true ranks only those.
	Served func(id string) []string
}

// body is the request: every advisor field, plus free text. Fields set
// explicitly override what the text says.
type body struct {
	Text                string   `json:"text"`
	Workload            *string  `json:"workload"`
	Require             []string `json:"require"`
	Region              *string  `json:"region"`
	MaxInputPrice       *float64 `json:"max_input_price"`
	MaxOutputPrice      *float64 `json:"max_output_price"`
	MinContext          *int     `json:"min_context"`
	MinOutput           *int     `json:"min_output"`
	MinTPM              *int     `json:"min_tpm"`
	Priority            *string  `json:"priority"`
	Client              *string  `json:"client"`
	MonthlyInputTokens  *int64   `json:"monthly_input_tokens"`
	MonthlyOutputTokens *int64   `json:"monthly_output_tokens"`
	Top                 *int     `json:"top"`
	ServedOnly          bool     `json:"served_only"`
}

// Decode reads an advisor request from a JSON body. The free text, if any,
// is returned as Understood so its rules can be echoed.
func Decode(data []byte) (advisor.Request, *advisor.Understood, error) {
	var b body
	if len(bytes.TrimSpace(data)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return advisor.Request{}, nil, apierr.Validationf("the request body is not a valid advise request: %s", jsonProblem(err))
		}
		if dec.More() {
			return advisor.Request{}, nil, apierr.Validationf("the request body holds more than one JSON value")
		}
	}
	var r advisor.Request
	var u *advisor.Understood
	if strings.TrimSpace(b.Text) != "" {
		var ft advisor.Understood
		r, ft = advisor.ParseFreeText(b.Text)
		u = &ft
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	var w, p, c string
	w, p, c = string(r.Workload), string(r.Priority), string(r.Client)
	set(&w, b.Workload)
	set(&p, b.Priority)
	set(&c, b.Client)
	r.Workload, r.Priority, r.Client = advisor.Workload(w), advisor.Priority(p), advisor.Client(c)
	r.Require = append(r.Require, b.Require...)
	set(&r.Region, b.Region)
	setF := func(dst *float64, v *float64) {
		if v != nil {
			*dst = *v
		}
	}
	setI := func(dst *int, v *int) {
		if v != nil {
			*dst = *v
		}
	}
	setF(&r.MaxInputPrice, b.MaxInputPrice)
	setF(&r.MaxOutputPrice, b.MaxOutputPrice)
	setI(&r.MinContext, b.MinContext)
	setI(&r.MinOutput, b.MinOutput)
	setI(&r.MinTPM, b.MinTPM)
	setI(&r.Top, b.Top)
	if b.MonthlyInputTokens != nil {
		r.MonthlyInputTokens = *b.MonthlyInputTokens
	}
	if b.MonthlyOutputTokens != nil {
		r.MonthlyOutputTokens = *b.MonthlyOutputTokens
	}
	r.ServedOnly = b.ServedOnly
	if err := r.Validate(); err != nil {
		return r, u, apierr.Validationf("%s", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
	return r, u, nil
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "field " + strconv.Quote(te.Field) + " must be " + te.Type.String() + ", not " + te.Value
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of JSON"
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return "unknown field " + msg
	}
	return "invalid JSON"
}

// ServeHTTP answers one POST /advise.
func (h Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	data, err := server.ReadBody(r, MaxBody)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	req, u, err := Decode(data)
	if err != nil {
		converse.WriteError(w, err)
		return
	}
	req.Served = h.Served
	ans := advisor.Advise(h.Catalog, req)
	if u != nil {
		ans.Understood.Text, ans.Understood.Rules = u.Text, u.Rules
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ans); err != nil {
		converse.WriteError(w, apierr.Wrap(apierr.Internal, err, "the answer could not be encoded"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
