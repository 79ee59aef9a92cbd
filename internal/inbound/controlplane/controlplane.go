// Package controlplane serves the read-only part of the Bedrock control
// plane (service "bedrock") from the embedded catalog, in the shapes
// aws-sdk-go-v2's service/bedrock client decodes:
//
//	GET /foundation-models                             ListFoundationModels
//	GET /foundation-models/{modelIdentifier}           GetFoundationModel
//	GET /inference-profiles                            ListInferenceProfiles
//	GET /inference-profiles/{inferenceProfileIdentifier} GetInferenceProfile
//
// What the catalog cannot say is left out or marked, never invented:
//
//   - Listed models are the catalog's Bedrock models that bedrock-runtime
//     serves (Converse, InvokeModel, StartAsyncInvoke or the bidirectional
//     stream). Mantle-only ids (openai.gpt-5.4, …) and Basalt's own models
//     are not foundation models.
//   - Modalities are upper case: TEXT, IMAGE, EMBEDDING (the SDK's enum),
//     and VIDEO and SPEECH (audio) for the media models, which the SDK passes
//     through as strings. Document input is not a control-plane modality.
//     Rerank output is reported as TEXT.
//   - inferenceTypesSupported: ON_DEMAND when the catalog knows an on-demand
//     price, INFERENCE_PROFILE when it knows a cross-Region profile.
//     PROVISIONED is never reported (no source covered it), so
//     byInferenceType=PROVISIONED lists nothing. customizationsSupported is
//     always empty for the same reason, so byCustomizationType lists nothing.
//   - responseStreamingSupported is omitted when the catalog does not know.
//   - modelLifecycle.status: ACTIVE for active and preview models, LEGACY
//     for legacy and end-of-life ones, with endOfLifeTime when known.
//   - Inference profiles are the catalog's system-defined cross-Region
//     profile ids. models lists one foundation-model ARN per destination
//     Region of the profile's geography (a representative table in this
//     package, not a per-profile fact); createdAt/updatedAt are the catalog's
//     compile date, since AWS's are unknown.
//
// ARNs use the Region of the caller's SigV4 credential scope (else
// Options.Region) and, for profiles, Options.Account.
package controlplane

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/catalog"
	"github.com/basalt-gateway/basalt/internal/inbound/converse"
)

// CatalogDate is the compile date of the embedded catalog, reported as the
// profiles' createdAt and updatedAt.
var CatalogDate = time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)

// Options configures a Handler.
type Options struct {
	// Region for ARNs when the request carries no SigV4 scope (default us-east-1).
	Region string
	// Account in inference-profile ARNs (default 000000000000).
	Account string
}

// Handler serves the control-plane routes from one catalog. Build it with
// New; it precomputes every answer, so serving is a filter and an encode.
type Handler struct {
	opts     Options
	models   []modelSummary // by id
	byID     map[string]int
	profiles []profile // by id
	byProf   map[string]int
}

// LifecycleJSON is FoundationModelLifecycle.
type lifecycle struct {
	Status        string `json:"status"`
	EndOfLifeTime string `json:"endOfLifeTime,omitempty"`
}

// modelSummary is FoundationModelSummary (and FoundationModelDetails).
type modelSummary struct {
	ModelArn                   string     `json:"modelArn"`
	ModelID                    string     `json:"modelId"`
	ModelName                  string     `json:"modelName,omitempty"`
	ProviderName               string     `json:"providerName,omitempty"`
	InputModalities            []string   `json:"inputModalities"`
	OutputModalities           []string   `json:"outputModalities"`
	ResponseStreamingSupported *bool      `json:"responseStreamingSupported,omitempty"`
	CustomizationsSupported    []string   `json:"customizationsSupported"`
	InferenceTypesSupported    []string   `json:"inferenceTypesSupported"`
	ModelLifecycle             *lifecycle `json:"modelLifecycle,omitempty"`

	provider string // catalog slug, for byProvider
}

type profileModel struct {
	ModelArn string `json:"modelArn"`
}

// profileSummary is InferenceProfileSummary and GetInferenceProfileOutput.
type profileSummary struct {
	InferenceProfileName string         `json:"inferenceProfileName"`
	Description          string         `json:"description,omitempty"`
	CreatedAt            string         `json:"createdAt,omitempty"`
	UpdatedAt            string         `json:"updatedAt,omitempty"`
	InferenceProfileArn  string         `json:"inferenceProfileArn"`
	Models               []profileModel `json:"models"`
	InferenceProfileID   string         `json:"inferenceProfileId"`
	Status               string         `json:"status"`
	Type                 string         `json:"type"`
}

type profile struct {
	id, geo, modelID, name string
}

// geoRegions are the destination Regions reported per profile geography.
var geoRegions = map[string][]string{
	"us":     {"us-east-1", "us-east-2", "us-west-2"},
	"eu":     {"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-3"},
	"apac":   {"ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1", "ap-southeast-2"},
	"jp":     {"ap-northeast-1", "ap-northeast-3"},
	"au":     {"ap-southeast-2", "ap-southeast-4"},
	"ca":     {"ca-central-1"},
	"us-gov": {"us-gov-east-1", "us-gov-west-1"},
	"global": {"us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"},
}

var geoNames = map[string]string{"us": "US", "eu": "EU", "apac": "APAC", "jp": "JP", "au": "AU", "ca": "CA",
	"us-gov": "US-GOV", "global": "Global"}

var modalityNames = map[catalog.Modality]string{
	catalog.ModalityText: "TEXT", catalog.ModalityImage: "IMAGE", catalog.ModalityEmbedding: "EMBEDDING",
	catalog.ModalityVideo: "VIDEO", catalog.ModalityAudio: "SPEECH", catalog.ModalityRerank: "TEXT",
}

func modalities(list []catalog.Modality) []string {
	out := []string{}
	for _, m := range list {
		if s, ok := modalityNames[m]; ok && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func runtimeServed(m *catalog.Model) bool {
	for _, a := range []catalog.API{catalog.APIConverse, catalog.APIInvoke, catalog.APIAsyncInvoke, catalog.APIBidirectionalStream} {
		if m.HasAPI(a) {
			return true
		}
	}
	return false
}

func priceKnown(p *catalog.Price) bool {
	for _, f := range []*float64{p.InputPerMTok, p.OutputPerMTok, p.PerOutputImage, p.PerInputImage,
		p.PerInputVideoSecond, p.PerInputAudioMinute, p.Per1KQueries} {
		if f != nil {
			return true
		}
	}
	return len(p.PerOutputImageBySizeSteps) > 0
}

// New builds a Handler over cat.
func New(cat *catalog.Catalog, o Options) *Handler {
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.Account == "" {
		o.Account = "000000000000"
	}
	h := &Handler{opts: o, byID: map[string]int{}, byProf: map[string]int{}}
	for _, m := range cat.Models() {
		if m.Provider == "basalt" || !runtimeServed(&m) {
			continue
		}
		s := modelSummary{
			ModelID: m.ID, ModelName: m.Name, ProviderName: m.ProviderName, provider: m.Provider,
			InputModalities: modalities(m.InputModalities), OutputModalities: modalities(m.OutputModalities),
			ResponseStreamingSupported: m.Capabilities.Streaming, CustomizationsSupported: []string{},
			InferenceTypesSupported: []string{},
		}
		if priceKnown(&m.Price) {
			s.InferenceTypesSupported = append(s.InferenceTypesSupported, "ON_DEMAND")
		}
		if len(m.InferenceProfiles) > 0 {
			s.InferenceTypesSupported = append(s.InferenceTypesSupported, "INFERENCE_PROFILE")
		}
		lc := &lifecycle{Status: "ACTIVE"}
		if m.Status == catalog.StatusLegacy || m.Status == catalog.StatusEndOfLife {
			lc.Status = "LEGACY"
		}
		if m.EndOfLife != "" {
			lc.EndOfLifeTime = m.EndOfLife + "T00:00:00Z"
		}
		s.ModelLifecycle = lc
		h.byID[m.ID] = len(h.models)
		for _, a := range m.Aliases {
			h.byID[a] = len(h.models)
		}
		h.models = append(h.models, s)
		for _, p := range m.InferenceProfiles {
			id, err := catalog.ParseID(p)
			if err != nil {
				continue
			}
			h.profiles = append(h.profiles, profile{id: p, geo: id.GeoPrefix, modelID: m.ID, name: m.Name})
		}
	}
	slices.SortFunc(h.profiles, func(a, b profile) int { return strings.Compare(a.id, b.id) })
	for i, p := range h.profiles {
		h.byProf[p.id] = i
	}
	return h
}

// Register adds the four routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /foundation-models", h.ListFoundationModels)
	mux.HandleFunc("GET /foundation-models/{modelIdentifier}", h.GetFoundationModel)
	mux.HandleFunc("GET /inference-profiles", h.ListInferenceProfiles)
	mux.HandleFunc("GET /inference-profiles/{inferenceProfileIdentifier}", h.GetInferenceProfile)
}

// region is the Region of the request's SigV4 credential scope
// ("Credential=AKID/20240101/eu-west-1/bedrock/aws4_request"), else the
// configured one.
func (h *Handler) region(r *http.Request) string {
	auth := r.Header.Get("Authorization")
	if _, cred, ok := strings.Cut(auth, "Credential="); ok {
		cred, _, _ = strings.Cut(cred, ",")
		parts := strings.Split(cred, "/")
		if len(parts) == 5 && parts[2] != "" && len(parts[2]) <= 32 && isRegion(parts[2]) {
			return parts[2]
		}
	}
	return h.opts.Region
}

func isRegion(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func modelARN(region, id string) string {
	return "arn:aws:bedrock:" + region + "::foundation-model/" + id
}

func (h *Handler) summary(i int, region string) modelSummary {
	s := h.models[i]
	s.ModelArn = modelARN(region, s.ModelID)
	return s
}

var enums = map[string][]string{
	"byOutputModality":    {"TEXT", "IMAGE", "EMBEDDING", "VIDEO", "SPEECH"},
	"byInputModality":     {"TEXT", "IMAGE", "EMBEDDING", "VIDEO", "SPEECH"},
	"byInferenceType":     {"ON_DEMAND", "PROVISIONED", "INFERENCE_PROFILE"},
	"byCustomizationType": {"FINE_TUNING", "CONTINUED_PRE_TRAINING", "DISTILLATION"},
}

// ListFoundationModels answers GET /foundation-models.
func (h *Handler) ListFoundationModels(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filters := map[string]string{}
	for name, allowed := range enums {
		v := q.Get(name)
		if v == "" {
			continue
		}
		up := strings.ToUpper(v)
		if !slices.Contains(allowed, up) {
			converse.WriteError(w, apierr.Validationf("1 validation error detected: Value '%s' at '%s' failed to satisfy constraint: Member must satisfy enum value set: [%s]",
				truncate(v), name, strings.Join(allowed, ", ")))
			return
		}
		filters[name] = up
	}
	provider := q.Get("byProvider")
	region := h.region(r)
	out := []modelSummary{}
	for i := range h.models {
		m := &h.models[i]
		switch {
		case provider != "" && !strings.EqualFold(provider, m.ProviderName) && !strings.EqualFold(provider, m.provider):
			continue
		case filters["byOutputModality"] != "" && !slices.Contains(m.OutputModalities, filters["byOutputModality"]):
			continue
		case filters["byInputModality"] != "" && !slices.Contains(m.InputModalities, filters["byInputModality"]):
			continue
		case filters["byInferenceType"] != "" && !slices.Contains(m.InferenceTypesSupported, filters["byInferenceType"]):
			continue
		case filters["byCustomizationType"] != "" && !slices.Contains(m.CustomizationsSupported, filters["byCustomizationType"]):
			continue
		}
		out = append(out, h.summary(i, region))
	}
	writeJSON(w, struct {
		ModelSummaries []modelSummary `json:"modelSummaries"`
	}{out})
}

// GetFoundationModel answers GET /foundation-models/{modelIdentifier}: a
// model id, alias or foundation-model ARN.
func (h *Handler) GetFoundationModel(w http.ResponseWriter, r *http.Request) {
	ident := r.PathValue("modelIdentifier")
	id := ident
	if p, err := catalog.ParseID(ident); err == nil && p.Kind == catalog.KindFoundationModelARN {
		id = p.BaseID
	}
	i, ok := h.byID[id]
	if !ok {
		converse.WriteError(w, apierr.New(apierr.NotFound, "The model %s does not exist or is not a foundation model this gateway knows; GET /foundation-models lists them.", truncate(ident)))
		return
	}
	writeJSON(w, struct {
		ModelDetails modelSummary `json:"modelDetails"`
	}{h.summary(i, h.region(r))})
}

func (h *Handler) profileSummary(p *profile, region string) profileSummary {
	regions := geoRegions[p.geo]
	models := make([]profileModel, 0, len(regions))
	for _, reg := range regions {
		models = append(models, profileModel{ModelArn: modelARN(reg, p.modelID)})
	}
	ts := CatalogDate.Format(time.RFC3339)
	geo := geoNames[p.geo]
	return profileSummary{
		InferenceProfileName: strings.TrimSpace(geo + " " + p.name),
		Description:          "Routes requests to " + p.name + " across the Regions of the " + geo + " geography.",
		CreatedAt:            ts, UpdatedAt: ts,
		InferenceProfileArn: "arn:aws:bedrock:" + region + ":" + h.opts.Account + ":inference-profile/" + p.id,
		Models:              models,
		InferenceProfileID:  p.id,
		Status:              "ACTIVE",
		Type:                "SYSTEM_DEFINED",
	}
}

// ListInferenceProfiles answers GET /inference-profiles with maxResults
// (1-1000), nextToken and type (or typeEquals).
func (h *Handler) ListInferenceProfiles(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 1000
	if v := q.Get("maxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			converse.WriteError(w, apierr.Validationf("1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 1000", truncate(v)))
			return
		}
		limit = n
	}
	typ := q.Get("type")
	if typ == "" {
		typ = q.Get("typeEquals")
	}
	if typ != "" && typ != "SYSTEM_DEFINED" && typ != "APPLICATION" {
		converse.WriteError(w, apierr.Validationf("1 validation error detected: Value '%s' at 'typeEquals' failed to satisfy constraint: Member must satisfy enum value set: [SYSTEM_DEFINED, APPLICATION]", truncate(typ)))
		return
	}
	start := 0
	if tok := q.Get("nextToken"); tok != "" {
		n, ok := decodeToken(tok)
		if !ok || n > len(h.profiles) {
			converse.WriteError(w, apierr.Validationf("The nextToken is not valid; pass the nextToken of the previous response unchanged."))
			return
		}
		start = n
	}
	out := struct {
		InferenceProfileSummaries []profileSummary `json:"inferenceProfileSummaries"`
		NextToken                 string           `json:"nextToken,omitempty"`
	}{InferenceProfileSummaries: []profileSummary{}}
	if typ != "APPLICATION" { // Basalt has no application profiles yet
		region := h.region(r)
		end := min(start+limit, len(h.profiles))
		for i := start; i < end; i++ {
			out.InferenceProfileSummaries = append(out.InferenceProfileSummaries, h.profileSummary(&h.profiles[i], region))
		}
		if end < len(h.profiles) {
			out.NextToken = encodeToken(end)
		}
	}
	writeJSON(w, out)
}

// GetInferenceProfile answers GET /inference-profiles/{id}: a profile id or
// its ARN.
func (h *Handler) GetInferenceProfile(w http.ResponseWriter, r *http.Request) {
	ident := r.PathValue("inferenceProfileIdentifier")
	id := ident
	if p, err := catalog.ParseID(ident); err == nil && p.Kind == catalog.KindInferenceProfileARN {
		id = p.Resource
	}
	i, ok := h.byProf[id]
	if !ok {
		converse.WriteError(w, apierr.New(apierr.NotFound, "The inference profile %s does not exist; GET /inference-profiles lists them.", truncate(ident)))
		return
	}
	writeJSON(w, h.profileSummary(&h.profiles[i], h.region(r)))
}

const tokenPrefix = "basalt-ip:"

func encodeToken(n int) string {
	return base64.RawURLEncoding.EncodeToString([]byte(tokenPrefix + strconv.Itoa(n)))
}

func decodeToken(s string) (int, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return 0, false
	}
	v, ok := strings.CutPrefix(string(b), tokenPrefix)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= 0
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		converse.WriteError(w, apierr.Wrap(apierr.Internal, err, "the answer could not be encoded"))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

func truncate(s string) string {
	if len(s) > 100 {
		return s[:100] + "…"
	}
	return s
}
