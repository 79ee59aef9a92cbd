package bedrock

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

// converseInput translates a canonical request into the SDK's Converse input.
// Everything canon can say has a Converse member except Seed and User, which
// Converse cannot carry and which are dropped.
func converseInput(req *canon.Request) (*bedrockruntime.ConverseInput, error) {
	if req.Model == "" {
		return nil, apierr.Validationf("a model id is required")
	}
	in := &bedrockruntime.ConverseInput{
		ModelId:                           aws.String(req.Model),
		AdditionalModelResponseFieldPaths: req.AdditionalResponseFieldPaths,
		RequestMetadata:                   req.RequestMetadata,
	}
	var err error
	if in.System, err = systemBlocks(req.System); err != nil {
		return nil, err
	}
	if in.Messages, err = messages(req.Messages); err != nil {
		return nil, err
	}
	in.InferenceConfig = inferenceConfig(req.Inference)
	if in.ToolConfig, err = toolConfig(req.Tools, req.Messages); err != nil {
		return nil, err
	}
	if in.AdditionalModelRequestFields, err = additionalFields(req); err != nil {
		return nil, err
	}
	if in.OutputConfig, err = outputConfig(req.OutputFormat); err != nil {
		return nil, err
	}
	if req.PerformanceLatency != "" {
		in.PerformanceConfig = &types.PerformanceConfiguration{Latency: types.PerformanceConfigLatency(req.PerformanceLatency)}
	}
	if req.ServiceTier != "" {
		in.ServiceTier = &types.ServiceTier{Type: types.ServiceTierType(req.ServiceTier)}
	}
	return in, nil
}

// streamInput carries the same request to ConverseStream, whose input type
// differs only in its guardrail configuration (which canon does not set).
func streamInput(in *bedrockruntime.ConverseInput) *bedrockruntime.ConverseStreamInput {
	return &bedrockruntime.ConverseStreamInput{
		ModelId:                           in.ModelId,
		AdditionalModelRequestFields:      in.AdditionalModelRequestFields,
		AdditionalModelResponseFieldPaths: in.AdditionalModelResponseFieldPaths,
		InferenceConfig:                   in.InferenceConfig,
		Messages:                          in.Messages,
		OutputConfig:                      in.OutputConfig,
		PerformanceConfig:                 in.PerformanceConfig,
		PromptVariables:                   in.PromptVariables,
		RequestMetadata:                   in.RequestMetadata,
		ServiceTier:                       in.ServiceTier,
		System:                            in.System,
		ToolConfig:                        in.ToolConfig,
	}
}

type family uint8

const (
	familyOther family = iota
	familyClaude
	familyNova
)

// modelFamily guesses the family from the id, which works for base ids,
// inference profiles (us.anthropic.claude-…) and foundation-model or
// inference-profile ARNs, all of which embed the base id. Application
// inference profiles and provisioned-model ARNs do not, and fall to
// familyOther.
func modelFamily(model string) family {
	m := strings.ToLower(model)
	switch {
	case strings.Contains(m, "anthropic.claude"):
		return familyClaude
	case strings.Contains(m, "amazon.nova"):
		return familyNova
	}
	return familyOther
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

func systemBlocks(in []canon.Block) ([]types.SystemContentBlock, error) {
	var out []types.SystemContentBlock
	for i, b := range in {
		switch b.Type {
		case canon.BlockText:
			// Bedrock rejects blank text blocks; a blank system line says nothing.
			if isBlank(b.Text) {
				continue
			}
			out = append(out, &types.SystemContentBlockMemberText{Value: b.Text})
		case canon.BlockCachePoint:
			out = append(out, &types.SystemContentBlockMemberCachePoint{Value: cachePoint(b.CachePoint)})
		case canon.BlockGuardContent:
			g, err := guardContent(b.GuardContent)
			if err != nil {
				return nil, err
			}
			out = append(out, &types.SystemContentBlockMemberGuardContent{Value: g})
		default:
			return nil, apierr.Validationf("system block %d: %s blocks are not allowed in the system prompt", i, b.Type)
		}
	}
	return out, nil
}

func messages(in []canon.Message) ([]types.Message, error) {
	out := make([]types.Message, 0, len(in))
	for i, m := range in {
		content := make([]types.ContentBlock, 0, len(m.Content))
		hasOther := false
		for _, b := range m.Content {
			if b.Type != canon.BlockText || !isBlank(b.Text) {
				hasOther = true
				break
			}
		}
		for j, b := range m.Content {
			// Bedrock rejects blank text (OpenAI clients send content "" beside
			// tool calls); drop it unless it is all the turn has, in which case
			// Bedrock's own validation message is the clearest answer.
			if b.Type == canon.BlockText && isBlank(b.Text) && hasOther {
				continue
			}
			cb, err := contentBlocks(b)
			if err != nil {
				return nil, apierr.Validationf("message %d block %d: %s", i, j, apierr.As(err).Message)
			}
			content = append(content, cb...)
		}
		out = append(out, types.Message{Role: types.ConversationRole(m.Role), Content: content})
	}
	return out, nil
}

// contentBlocks converts one canonical block; reasoning carrying both text
// and redacted content becomes two Converse blocks, as each is a separate
// union member.
func contentBlocks(b canon.Block) ([]types.ContentBlock, error) {
	switch b.Type {
	case canon.BlockText:
		return []types.ContentBlock{&types.ContentBlockMemberText{Value: b.Text}}, nil
	case canon.BlockImage:
		img, err := imageBlock(b.Image)
		if err != nil {
			return nil, err
		}
		return []types.ContentBlock{&types.ContentBlockMemberImage{Value: img}}, nil
	case canon.BlockDocument:
		doc, err := documentBlock(b.Document)
		if err != nil {
			return nil, err
		}
		return []types.ContentBlock{&types.ContentBlockMemberDocument{Value: doc}}, nil
	case canon.BlockVideo:
		v, err := videoBlock(b.Video)
		if err != nil {
			return nil, err
		}
		return []types.ContentBlock{&types.ContentBlockMemberVideo{Value: v}}, nil
	case canon.BlockAudio:
		a, err := audioBlock(b.Audio)
		if err != nil {
			return nil, err
		}
		return []types.ContentBlock{&types.ContentBlockMemberAudio{Value: a}}, nil
	case canon.BlockToolUse:
		tu, err := toolUseBlock(b.ToolUse)
		if err != nil {
			return nil, err
		}
		return []types.ContentBlock{&types.ContentBlockMemberToolUse{Value: tu}}, nil
	case canon.BlockToolResult:
		tr, err := toolResultBlock(b.ToolResult)
		if err != nil {
			return nil, err
		}
		return []types.ContentBlock{&types.ContentBlockMemberToolResult{Value: tr}}, nil
	case canon.BlockReasoning:
		return reasoningBlocks(b.Reasoning)
	case canon.BlockCachePoint:
		return []types.ContentBlock{&types.ContentBlockMemberCachePoint{Value: cachePoint(b.CachePoint)}}, nil
	case canon.BlockGuardContent:
		g, err := guardContent(b.GuardContent)
		if err != nil {
			return nil, err
		}
		return []types.ContentBlock{&types.ContentBlockMemberGuardContent{Value: g}}, nil
	}
	return nil, apierr.Validationf("%s blocks cannot appear in a message", b.Type)
}

func missing(what string) error { return apierr.Validationf("the %s block has no content", what) }

// mediaSource checks that m can be sent: Bedrock takes bytes or S3, never a
// URL, so a URL must have been fetched by the inbound shape already.
func mediaSource(what string, m *canon.Media) (bytes []byte, s3 *types.S3Location, err error) {
	switch {
	case m == nil:
		return nil, nil, missing(what)
	case len(m.Bytes) > 0:
		return m.Bytes, nil, nil
	case m.S3URI != "":
		return nil, s3Location(m.S3URI, m.BucketOwner), nil
	case m.URL != "":
		return nil, nil, apierr.Validationf("Bedrock cannot fetch %s URLs; send the %s inline", what, what)
	}
	return nil, nil, missing(what)
}

func s3Location(uri, owner string) *types.S3Location {
	loc := &types.S3Location{Uri: aws.String(uri)}
	if owner != "" {
		loc.BucketOwner = aws.String(owner)
	}
	return loc
}

func imageBlock(m *canon.Media) (types.ImageBlock, error) {
	b, s3, err := mediaSource("image", m)
	if err != nil {
		return types.ImageBlock{}, err
	}
	img := types.ImageBlock{Format: types.ImageFormat(m.Format)}
	if s3 != nil {
		img.Source = &types.ImageSourceMemberS3Location{Value: *s3}
	} else {
		img.Source = &types.ImageSourceMemberBytes{Value: b}
	}
	return img, nil
}

func videoBlock(m *canon.Media) (types.VideoBlock, error) {
	b, s3, err := mediaSource("video", m)
	if err != nil {
		return types.VideoBlock{}, err
	}
	v := types.VideoBlock{Format: types.VideoFormat(m.Format)}
	if s3 != nil {
		v.Source = &types.VideoSourceMemberS3Location{Value: *s3}
	} else {
		v.Source = &types.VideoSourceMemberBytes{Value: b}
	}
	return v, nil
}

func audioBlock(m *canon.Media) (types.AudioBlock, error) {
	b, s3, err := mediaSource("audio", m)
	if err != nil {
		return types.AudioBlock{}, err
	}
	a := types.AudioBlock{Format: types.AudioFormat(m.Format)}
	if s3 != nil {
		a.Source = &types.AudioSourceMemberS3Location{Value: *s3}
	} else {
		a.Source = &types.AudioSourceMemberBytes{Value: b}
	}
	return a, nil
}

func documentBlock(d *canon.Document) (types.DocumentBlock, error) {
	if d == nil {
		return types.DocumentBlock{}, missing("document")
	}
	// Name is required by Bedrock; it is always sent so that an empty one is
	// rejected by Bedrock with its own message rather than by the SDK.
	doc := types.DocumentBlock{Name: aws.String(d.Name), Format: types.DocumentFormat(d.Format)}
	switch {
	case len(d.Bytes) > 0:
		doc.Source = &types.DocumentSourceMemberBytes{Value: d.Bytes}
	case d.S3URI != "":
		doc.Source = &types.DocumentSourceMemberS3Location{Value: *s3Location(d.S3URI, d.BucketOwner)}
	case d.Text != "":
		doc.Source = &types.DocumentSourceMemberText{Value: d.Text}
	default:
		return types.DocumentBlock{}, missing("document")
	}
	if d.Context != "" {
		doc.Context = aws.String(d.Context)
	}
	if d.Citations {
		doc.Citations = &types.CitationsConfig{Enabled: aws.Bool(true)}
	}
	return doc, nil
}

func toolUseBlock(t *canon.ToolUse) (types.ToolUseBlock, error) {
	if t == nil {
		return types.ToolUseBlock{}, missing("toolUse")
	}
	input := t.Input
	if len(bytes.TrimSpace(input)) == 0 {
		input = json.RawMessage(`{}`)
	}
	doc, err := toDocument(input)
	if err != nil {
		return types.ToolUseBlock{}, apierr.Validationf("tool call %q has input that is not valid JSON", t.Name)
	}
	return types.ToolUseBlock{ToolUseId: aws.String(t.ID), Name: aws.String(t.Name), Input: doc,
		Type: types.ToolUseType(t.Type)}, nil
}

func toolResultBlock(t *canon.ToolResult) (types.ToolResultBlock, error) {
	if t == nil {
		return types.ToolResultBlock{}, missing("toolResult")
	}
	tr := types.ToolResultBlock{ToolUseId: aws.String(t.ToolUseID), Status: types.ToolResultStatus(t.Status),
		Content: make([]types.ToolResultContentBlock, 0, len(t.Content))}
	for _, b := range t.Content {
		var c types.ToolResultContentBlock
		switch b.Type {
		case canon.BlockText:
			c = &types.ToolResultContentBlockMemberText{Value: b.Text}
		case canon.BlockJSON:
			doc, err := toDocument(b.JSON)
			if err != nil {
				return tr, apierr.Validationf("tool result %q has JSON content that is not valid JSON", t.ToolUseID)
			}
			c = &types.ToolResultContentBlockMemberJson{Value: doc}
		case canon.BlockImage:
			img, err := imageBlock(b.Image)
			if err != nil {
				return tr, err
			}
			c = &types.ToolResultContentBlockMemberImage{Value: img}
		case canon.BlockDocument:
			doc, err := documentBlock(b.Document)
			if err != nil {
				return tr, err
			}
			c = &types.ToolResultContentBlockMemberDocument{Value: doc}
		case canon.BlockVideo:
			v, err := videoBlock(b.Video)
			if err != nil {
				return tr, err
			}
			c = &types.ToolResultContentBlockMemberVideo{Value: v}
		default:
			return tr, apierr.Validationf("%s blocks cannot appear in a tool result", b.Type)
		}
		tr.Content = append(tr.Content, c)
	}
	return tr, nil
}

// reasoningBlocks replays the model's thinking byte for byte: Claude rejects
// a multi-turn tool loop whose signed thinking block was altered or dropped.
func reasoningBlocks(r *canon.Reasoning) ([]types.ContentBlock, error) {
	if r == nil {
		return nil, missing("reasoningContent")
	}
	var out []types.ContentBlock
	if r.Text != "" || r.Signature != "" || len(r.Redacted) == 0 {
		rt := types.ReasoningTextBlock{Text: aws.String(r.Text)}
		if r.Signature != "" {
			rt.Signature = aws.String(r.Signature)
		}
		out = append(out, &types.ContentBlockMemberReasoningContent{
			Value: &types.ReasoningContentBlockMemberReasoningText{Value: rt}})
	}
	if len(r.Redacted) > 0 {
		out = append(out, &types.ContentBlockMemberReasoningContent{
			Value: &types.ReasoningContentBlockMemberRedactedContent{Value: r.Redacted}})
	}
	return out, nil
}

func cachePoint(c *canon.CachePoint) types.CachePointBlock {
	cp := types.CachePointBlock{Type: types.CachePointTypeDefault}
	if c != nil {
		cp.Ttl = types.CacheTTL(c.TTL)
	}
	return cp
}

func guardContent(g *canon.GuardContent) (types.GuardrailConverseContentBlock, error) {
	if g == nil {
		return nil, missing("guardContent")
	}
	if g.Image != nil {
		if len(g.Image.Bytes) == 0 {
			return nil, apierr.Validationf("a guarded image must be sent inline")
		}
		return &types.GuardrailConverseContentBlockMemberImage{Value: types.GuardrailConverseImageBlock{
			Format: types.GuardrailConverseImageFormat(g.Image.Format),
			Source: &types.GuardrailConverseImageSourceMemberBytes{Value: g.Image.Bytes},
		}}, nil
	}
	tb := types.GuardrailConverseTextBlock{Text: aws.String(g.Text)}
	for _, q := range g.Qualifiers {
		tb.Qualifiers = append(tb.Qualifiers, types.GuardrailConverseContentQualifier(q))
	}
	return &types.GuardrailConverseContentBlockMemberText{Value: tb}, nil
}

func inferenceConfig(ic canon.InferenceConfig) *types.InferenceConfiguration {
	var out types.InferenceConfiguration
	set := false
	if ic.MaxTokens != nil {
		out.MaxTokens = aws.Int32(int32(min(*ic.MaxTokens, 1<<31-1)))
		set = true
	}
	if ic.Temperature != nil {
		out.Temperature = aws.Float32(float32(*ic.Temperature))
		set = true
	}
	if ic.TopP != nil {
		out.TopP = aws.Float32(float32(*ic.TopP))
		set = true
	}
	if len(ic.StopSequences) > 0 {
		out.StopSequences = ic.StopSequences
		set = true
	}
	// TopK has no Converse member; additionalFields places it per family.
	if !set {
		return nil
	}
	return &out
}

func toolConfig(tc *canon.ToolConfig, msgs []canon.Message) (*types.ToolConfiguration, error) {
	if tc == nil || len(tc.Tools) == 0 {
		return nil, nil
	}
	if tc.Choice.Mode == canon.ToolChoiceNone && !hasToolBlocks(msgs) {
		// Converse has no "none" tool choice, so the only way to forbid tool
		// calls is to offer no tools. Bedrock, though, rejects a history with
		// toolUse/toolResult blocks unless toolConfig is present; in that case
		// the tools stay (with the default auto choice) and the model may
		// still call one.
		return nil, nil
	}
	out := &types.ToolConfiguration{Tools: make([]types.Tool, 0, len(tc.Tools))}
	for _, t := range tc.Tools {
		schema := t.InputSchema
		if len(bytes.TrimSpace(schema)) == 0 {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		doc, err := toDocument(schema)
		if err != nil {
			return nil, apierr.Validationf("tool %q has an input schema that is not valid JSON", t.Name)
		}
		spec := types.ToolSpecification{Name: aws.String(t.Name), InputSchema: &types.ToolInputSchemaMemberJson{Value: doc}}
		if t.Description != "" {
			spec.Description = aws.String(t.Description)
		}
		if t.Strict {
			spec.Strict = aws.Bool(true)
		}
		out.Tools = append(out.Tools, &types.ToolMemberToolSpec{Value: spec})
		if t.CachePoint != nil {
			out.Tools = append(out.Tools, &types.ToolMemberCachePoint{Value: cachePoint(t.CachePoint)})
		}
	}
	switch tc.Choice.Mode {
	case canon.ToolChoiceAny:
		out.ToolChoice = &types.ToolChoiceMemberAny{}
	case canon.ToolChoiceTool:
		out.ToolChoice = &types.ToolChoiceMemberTool{Value: types.SpecificToolChoice{Name: aws.String(tc.Choice.Name)}}
	}
	// Auto is Converse's default and is left out: some models reject any
	// toolChoice member, and omitting it means the same thing.
	return out, nil
}

func hasToolBlocks(msgs []canon.Message) bool {
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Type == canon.BlockToolUse || b.Type == canon.BlockToolResult {
				return true
			}
		}
	}
	return false
}

func outputConfig(f *canon.OutputFormat) (*types.OutputConfig, error) {
	if f == nil {
		return nil, nil
	}
	schema := f.Schema
	if len(bytes.TrimSpace(schema)) == 0 {
		// json_object has no schema; Converse structured output needs one,
		// and "any object" is what json_object promises.
		schema = json.RawMessage(`{"type":"object"}`)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, schema); err != nil {
		return nil, apierr.Validationf("the output JSON schema is not valid JSON")
	}
	def := types.JsonSchemaDefinition{Schema: aws.String(compact.String())}
	if f.Name != "" {
		def.Name = aws.String(f.Name)
	}
	if f.Description != "" {
		def.Description = aws.String(f.Description)
	}
	return &types.OutputConfig{TextFormat: &types.OutputFormat{
		Type:      types.OutputFormatTypeJsonSchema,
		Structure: &types.OutputFormatStructureMemberJsonSchema{Value: def},
	}}, nil
}
