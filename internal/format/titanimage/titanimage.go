// Package titanimage is the InvokeModel body dialect shared by Amazon
// Titan Image Generator (amazon.titan-image-generator-v1,
// amazon.titan-image-generator-v2:0) and Amazon Nova Canvas
// (amazon.nova-canvas-v1:0): the request body into the canonical image
// request, and images into the response body {"images": [base64…],
// "error"?}. It is pure: no I/O.
//
// Request: {"taskType": T, "<params>": {…}, "imageGenerationConfig":
// {"numberOfImages": 1-5, "width", "height", "cfgScale": 1.1-10, "seed",
// "quality": "standard"|"premium"}}, with T and its params key one of
//
//	TEXT_IMAGE               textToImageParams: text, negativeText, conditionImage, controlMode (CANNY_EDGE|SEGMENTATION), controlStrength 0-1, style (Nova Canvas)
//	COLOR_GUIDED_GENERATION  colorGuidedGenerationParams: text, negativeText, colors (1-10 "#rrggbb"), referenceImage
//	IMAGE_VARIATION          imageVariationParams: images (1-5), text, negativeText, similarityStrength 0.2-1
//	INPAINTING               inPaintingParams: image, text, negativeText, exactly one of maskPrompt and maskImage
//	OUTPAINTING              outPaintingParams: the same plus outPaintingMode (DEFAULT|PRECISE)
//	BACKGROUND_REMOVAL       backgroundRemovalParams: image, and no imageGenerationConfig at all
//
// Sources: the Bedrock user guide's "Amazon Titan Image Generator G1
// models" page (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-image.html:
// task table, the conditioning image being v2 only, COLOR_GUIDED_GENERATION
// and BACKGROUND_REMOVAL being v2 only, the mask rules) and the Nova user
// guide's "Request and response structure for image generation"
// (docs.aws.amazon.com/nova/latest/userguide/image-gen-req-resp-structure.html:
// text and negativeText of 1-1024 characters, textToImageParams.style and
// its eight values, seeds up to 858,993,459). Where those pages were not
// readable in full, two third-party clients that cite the Titan page agree
// on its numbers: the 25 supported Titan sizes, text up to 512
// characters, cfgScale 1.1-10, seeds 0-2,147,483,646, controlStrength 0-1,
// similarityStrength 0.2-1, 1-10 colors, 1-5 variation images. controlMode
// is CANNY_EDGE (LiteLLM's CANNY_EDIT is a typo). Decisions:
//
//   - Nova Canvas's VIRTUAL_TRY_ON (virtualTryOnParams) is refused with a
//     ValidationException saying so: its parameters are not verified yet.
//   - returnMask (inpainting, outpainting) is accepted for Titan: clients
//     send it, and it reaches Bedrock in the native body, which a Bedrock
//     provider passes on byte for byte; no other provider serves masks.
//   - Nova Canvas sizes: each side 320-4096 and a multiple of 16, aspect
//     ratio within 1:4 and 4:1, at most 4,194,304 pixels; a side left out
//     counts as 1024, the default, for these checks and Titan's size list.
//   - Input images must decode (standard base64) to PNG or JPEG, the
//     formats both models document; their pixel sizes are left to the
//     model, which reports them itself.
//   - The response's "error" is left out when empty.
package titanimage

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
	"github.com/basalt-gateway/basalt/internal/format/nativejson"
)

// The catalog families (internal/catalog/family.go) whose body this is.
const (
	FamilyTitan      = "titan-image"
	FamilyNovaCanvas = "nova-canvas"
)

// FamilyOf returns the family of a model id, inference profile or ARN
// naming a Titan Image or Nova Canvas model, "" for any other.
func FamilyOf(modelID string) string {
	switch {
	case strings.Contains(modelID, "amazon.titan-image"):
		return FamilyTitan
	case strings.Contains(modelID, "amazon.nova-canvas"):
		return FamilyNovaCanvas
	}
	return ""
}

// MaxImages bounds numberOfImages and a variation's input images.
const MaxImages = 5

// TitanSizes are Titan Image Generator's supported width x height pairs.
var TitanSizes = [][2]int{
	{1024, 1024}, {768, 768}, {512, 512}, {768, 1152}, {384, 576}, {1152, 768}, {576, 384},
	{768, 1280}, {384, 640}, {1280, 768}, {640, 384}, {896, 1152}, {448, 576}, {1152, 896},
	{576, 448}, {768, 1408}, {384, 704}, {1408, 768}, {704, 384}, {640, 1408}, {320, 704},
	{1408, 640}, {704, 320}, {1152, 640}, {1173, 640},
}

// NovaStyles are Nova Canvas's textToImageParams.style values.
var NovaStyles = []string{"3D_ANIMATED_FAMILY_FILM", "DESIGN_SKETCH", "FLAT_VECTOR_ILLUSTRATION",
	"GRAPHIC_NOVEL_ILLUSTRATION", "MAXIMALISM", "MIDCENTURY_RETRO", "PHOTOREALISM", "SOFT_DIGITAL_PAINTING"}

// task is one taskType.
type task struct {
	name, params string
	canon        canon.ImageTask
	v2Only       bool
}

var tasks = []task{
	{"TEXT_IMAGE", "textToImageParams", canon.ImageTextToImage, false},
	{"COLOR_GUIDED_GENERATION", "colorGuidedGenerationParams", canon.ImageColorGuided, true},
	{"IMAGE_VARIATION", "imageVariationParams", canon.ImageVariation, false},
	{"INPAINTING", "inPaintingParams", canon.ImageInpainting, false},
	{"OUTPAINTING", "outPaintingParams", canon.ImageOutpainting, false},
	{"BACKGROUND_REMOVAL", "backgroundRemovalParams", canon.ImageBackgroundRemoval, true},
}

// model holds what differs between the three models.
type model struct {
	id      string
	nova    bool
	v1      bool
	maxText int
	maxSeed int
}

func modelFor(modelID, family string) model {
	if family == "" {
		family = FamilyOf(modelID)
	}
	if family == FamilyNovaCanvas {
		return model{id: modelID, nova: true, maxText: 1024, maxSeed: 858_993_459}
	}
	return model{id: modelID, v1: strings.Contains(modelID, "titan-image-generator-v1"), maxText: 512, maxSeed: 2_147_483_646}
}

// DecodeRequest validates a Titan Image or Nova Canvas body for modelID of
// family (FamilyTitan or FamilyNovaCanvas; "" derives it from the id) and
// returns the canonical request, carrying body as its Native. Problems with
// the body are a ValidationException starting "Malformed input request:"
// that names every bad field.
func DecodeRequest(modelID, family string, body []byte) (*canon.ImageRequest, error) {
	m := modelFor(modelID, family)
	var problems []string
	allowed := []string{"taskType", "imageGenerationConfig"}
	for _, t := range tasks {
		allowed = append(allowed, t.params)
	}
	if m.nova {
		allowed = append(allowed, "virtualTryOnParams")
	}
	top, ok := nativejson.ParseObject("#", body, &problems, allowed...)
	if !ok {
		return nil, nativejson.Malformed(problems)
	}
	req := &canon.ImageRequest{Model: modelID, Native: body, NativeFamily: FamilyTitan}
	if m.nova {
		req.NativeFamily = FamilyNovaCanvas
	}
	var t *task
	if top.Require("taskType") {
		if name, ok := top.Str("taskType"); ok {
			t = m.task(top, name)
			if t == nil && name == "VIRTUAL_TRY_ON" && m.nova {
				return nil, apierr.Validationf("taskType VIRTUAL_TRY_ON (Nova Canvas virtual try-on) is not served by this gateway yet; " +
					"it serves TEXT_IMAGE, COLOR_GUIDED_GENERATION, IMAGE_VARIATION, INPAINTING, OUTPAINTING and BACKGROUND_REMOVAL")
			}
		}
	}
	if t == nil {
		return nil, nativejson.Malformed(problems)
	}
	req.Task = t.canon
	// Only the params object of the task may be present.
	for _, k := range allowed[2:] {
		if k != t.params && top.Get(k) != nil {
			top.Problem("#: extraneous key [" + k + "] is not permitted (taskType " + t.name + " takes " + t.params + ")")
		}
	}
	if top.Require(t.params) {
		m.params(top, &problems, t, req)
	}
	if t.canon == canon.ImageBackgroundRemoval {
		if top.Get("imageGenerationConfig") != nil {
			top.Problem("#: extraneous key [imageGenerationConfig] is not permitted (BACKGROUND_REMOVAL takes none)")
		}
	} else if raw := top.Get("imageGenerationConfig"); raw != nil {
		m.config(top, &problems, raw, req)
	}
	if len(problems) > 0 {
		return nil, nativejson.Malformed(problems)
	}
	return req, nil
}

// task returns the taskType called name, recording it as a problem if the
// model does not have it.
func (m model) task(top *nativejson.Object, name string) *task {
	for i := range tasks {
		if tasks[i].name != name {
			continue
		}
		if tasks[i].v2Only && m.v1 {
			top.Fail("taskType", name+" is not a valid enum value ("+m.id+" does not have it; Titan Image Generator v2 and Nova Canvas do)")
			return nil
		}
		return &tasks[i]
	}
	if !(name == "VIRTUAL_TRY_ON" && m.nova) {
		top.Fail("taskType", name+" is not a valid enum value")
	}
	return nil
}

// params decodes the task's params object into req.
func (m model) params(top *nativejson.Object, problems *[]string, t *task, req *canon.ImageRequest) {
	keys := map[string][]string{
		"textToImageParams":           {"text", "negativeText", "conditionImage", "controlMode", "controlStrength"},
		"colorGuidedGenerationParams": {"text", "negativeText", "colors", "referenceImage"},
		"imageVariationParams":        {"images", "text", "negativeText", "similarityStrength"},
		"inPaintingParams":            {"image", "text", "negativeText", "maskPrompt", "maskImage"},
		"outPaintingParams":           {"image", "text", "negativeText", "maskPrompt", "maskImage", "outPaintingMode"},
		"backgroundRemovalParams":     {"image"},
	}[t.params]
	switch {
	case m.nova && t.params == "textToImageParams":
		keys = append(keys, "style")
	case !m.nova && (t.params == "inPaintingParams" || t.params == "outPaintingParams"):
		keys = append(keys, "returnMask")
	}
	o, ok := nativejson.ParseObject(top.Sub(t.params), top.Get(t.params), problems, keys...)
	if !ok {
		return
	}
	textRequired := t.canon == canon.ImageTextToImage || t.canon == canon.ImageColorGuided || t.canon == canon.ImageOutpainting
	if t.canon != canon.ImageBackgroundRemoval {
		req.Prompt = m.text(o, "text", textRequired)
		req.NegativePrompt = m.text(o, "negativeText", false)
	}
	switch t.canon {
	case canon.ImageTextToImage:
		if m.v1 && o.Get("conditionImage") != nil {
			o.Fail("conditionImage", "image conditioning needs Titan Image Generator v2 or Nova Canvas, not "+m.id)
		} else {
			req.Reference = Image(o, "conditionImage")
		}
		req.ControlMode = o.Enum("controlMode", "CANNY_EDGE", "SEGMENTATION")
		req.ControlStrength = o.Number("controlStrength", 0, 1)
		if (o.Get("controlMode") != nil || o.Get("controlStrength") != nil) && o.Get("conditionImage") == nil {
			o.Problem(o.Path() + ": controlMode and controlStrength need a conditionImage")
		}
		req.Style = o.Enum("style", NovaStyles...)
	case canon.ImageColorGuided:
		if o.Require("colors") {
			req.Colors = colors(o)
		}
		req.Reference = Image(o, "referenceImage")
	case canon.ImageVariation:
		if o.Require("images") {
			req.Images = images(o, "images")
		}
		req.Strength = o.Number("similarityStrength", 0.2, 1)
	case canon.ImageInpainting, canon.ImageOutpainting:
		if o.Require("image") {
			req.Images = oneImage(o, "image")
		}
		req.MaskPrompt = m.text(o, "maskPrompt", false)
		req.Mask = Image(o, "maskImage")
		switch hasPrompt, hasImage := o.Get("maskPrompt") != nil, o.Get("maskImage") != nil; {
		case hasPrompt && hasImage:
			o.Problem(o.Path() + ": exactly one of [maskPrompt, maskImage] is required, found both")
		case !hasPrompt && !hasImage:
			o.Problem(o.Path() + ": exactly one of [maskPrompt, maskImage] is required, found neither")
		}
		if t.canon == canon.ImageOutpainting {
			req.OutpaintingMode = o.Enum("outPaintingMode", "DEFAULT", "PRECISE")
		}
		if v := o.Get("returnMask"); v != nil {
			var b bool
			if json.Unmarshal(v, &b) != nil {
				o.WrongType("returnMask", "Boolean")
			}
		}
	case canon.ImageBackgroundRemoval:
		if o.Require("image") {
			req.Images = oneImage(o, "image")
		}
	}
}

// config decodes imageGenerationConfig into req.
func (m model) config(top *nativejson.Object, problems *[]string, raw []byte, req *canon.ImageRequest) {
	o, ok := nativejson.ParseObject(top.Sub("imageGenerationConfig"), raw, problems,
		"numberOfImages", "width", "height", "cfgScale", "seed", "quality")
	if !ok {
		return
	}
	if n := o.Integer("numberOfImages", 1, MaxImages); n != nil {
		req.Count = *n
	}
	lo, hi := 1, 1<<20
	if m.nova {
		lo, hi = 320, 4096
	}
	w, h := o.Integer("width", lo, hi), o.Integer("height", lo, hi)
	if m.nova {
		for i, v := range []*int{w, h} {
			if v != nil && *v%16 != 0 {
				o.Fail([]string{"width", "height"}[i], strconv.Itoa(*v)+" is not a multiple of 16")
			}
		}
	}
	if w != nil {
		req.Width = *w
	}
	if h != nil {
		req.Height = *h
	}
	// The size as a whole is checked once each side given is valid alone.
	if (w != nil || h != nil) && (o.Get("width") == nil || w != nil) && (o.Get("height") == nil || h != nil) {
		m.checkSize(o, req.Width, req.Height)
	}
	req.CfgScale = o.Number("cfgScale", 1.1, 10)
	if s := o.Integer("seed", 0, m.maxSeed); s != nil {
		seed := int64(*s)
		req.Seed = &seed
	}
	req.Quality = o.Enum("quality", "standard", "premium")
}

// checkSize checks a requested size (0: the default 1024) against the
// model's constraints.
func (m model) checkSize(o *nativejson.Object, w, h int) {
	if w == 0 {
		w = 1024
	}
	if h == 0 {
		h = 1024
	}
	size := "width " + strconv.Itoa(w) + " and height " + strconv.Itoa(h)
	if !m.nova {
		var names []string
		for _, s := range TitanSizes {
			if s == [2]int{w, h} {
				return
			}
			names = append(names, strconv.Itoa(s[0])+"x"+strconv.Itoa(s[1]))
		}
		o.Problem(o.Path() + ": " + size + " are not a supported size; Titan Image Generator's sizes (width x height) are " + strings.Join(names, ", "))
		return
	}
	if long, short := max(w, h), min(w, h); long > 4*short {
		o.Problem(o.Path() + ": the aspect ratio of " + size + " is outside 1:4 to 4:1")
	}
	if w*h > 4_194_304 {
		o.Problem(o.Path() + ": " + size + " make " + strconv.Itoa(w*h) + " pixels, more than 4194304")
	}
}

// text returns the string member k, checked against the model's length.
func (m model) text(o *nativejson.Object, k string, required bool) string {
	if required && !o.Require(k) {
		return ""
	}
	s, ok := o.Str(k)
	if !ok {
		return ""
	}
	switch n := len([]rune(s)); {
	case n == 0:
		o.Fail(k, "expected minLength: 1, actual: 0")
	case n > m.maxText:
		o.Fail(k, "expected maxLength: "+strconv.Itoa(m.maxText)+", actual: "+strconv.Itoa(n))
	}
	return s
}

// colors returns the colors member: 1-10 "#rrggbb" strings.
func colors(o *nativejson.Object) []string {
	cs := o.Strings("colors", 10)
	if cs == nil {
		return nil
	}
	if len(cs) == 0 {
		o.Fail("colors", "expected minimum item count: 1, found: 0")
	}
	for i, c := range cs {
		if !isHexColor(c) {
			o.Problem(o.Sub("colors") + "/" + strconv.Itoa(i) + ": string [" + c + "] does not match pattern ^#[a-fA-F0-9]{6}$")
		}
	}
	return cs
}

func isHexColor(s string) bool {
	if len(s) != 7 || s[0] != '#' {
		return false
	}
	for _, c := range []byte(s[1:]) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// Image returns the decoded image of string member k (nil if absent),
// recording a problem unless it is base64 of a PNG or JPEG image.
func Image(o *nativejson.Object, k string) []byte {
	s, ok := o.Str(k)
	if !ok {
		return nil
	}
	b, msg := decodeImage(s)
	if msg != "" {
		o.Fail(k, msg)
	}
	return b
}

func oneImage(o *nativejson.Object, k string) [][]byte {
	if b := Image(o, k); b != nil {
		return [][]byte{b}
	}
	return nil
}

// images returns the decoded images of array member k (1 to MaxImages).
func images(o *nativejson.Object, k string) [][]byte {
	ss := o.Strings(k, MaxImages)
	if ss == nil {
		return nil
	}
	if len(ss) == 0 {
		o.Fail(k, "expected minimum item count: 1, found: 0")
	}
	var out [][]byte
	for i, s := range ss {
		b, msg := decodeImage(s)
		if msg != "" {
			o.Problem(o.Sub(k) + "/" + strconv.Itoa(i) + ": " + msg)
			continue
		}
		out = append(out, b)
	}
	return out
}

// decodeImage decodes a base64 PNG or JPEG image, or says what is wrong.
func decodeImage(s string) ([]byte, string) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, "expected a base64-encoded PNG or JPEG image"
	}
	if !bytes.HasPrefix(b, pngMagic) && !bytes.HasPrefix(b, jpegMagic) {
		return nil, "the base64 data is not a PNG or JPEG image"
	}
	return b, ""
}

var (
	pngMagic  = []byte("\x89PNG\r\n\x1a\n")
	jpegMagic = []byte{0xff, 0xd8, 0xff}
)
