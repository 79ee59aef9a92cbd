package conformance

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	bedrockcp "github.com/aws/aws-sdk-go-v2/service/bedrock"
	cptypes "github.com/aws/aws-sdk-go-v2/service/bedrock/types"

	"github.com/basalt-gateway/basalt/internal/provider/bedrock"
)

// controlPlaneClient is aws-sdk-go-v2's service/bedrock client pointed at
// url, as a user would configure it.
func controlPlaneClient(t *testing.T, url string) *bedrockcp.Client {
	t.Helper()
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	return bedrockcp.New(bedrockcp.Options{
		BaseEndpoint:     aws.String(url),
		Region:           "eu-west-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:       bedrock.SafeHTTPClient(hc),
		RetryMaxAttempts: 1,
	})
}

func TestControlPlaneFoundationModels(t *testing.T) {
	b := start(t, localOnly())
	c := controlPlaneClient(t, b.URL)
	ctx := context.Background()

	all, err := c.ListFoundationModels(ctx, &bedrockcp.ListFoundationModelsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.ModelSummaries) < 100 {
		t.Fatalf("%d models", len(all.ModelSummaries))
	}
	var lite *cptypes.FoundationModelSummary
	for i, m := range all.ModelSummaries {
		if aws.ToString(m.ModelId) == "amazon.nova-lite-v1:0" {
			lite = &all.ModelSummaries[i]
		}
	}
	if lite == nil {
		t.Fatal("amazon.nova-lite-v1:0 not listed")
	}
	if aws.ToString(lite.ModelArn) != "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-lite-v1:0" ||
		aws.ToString(lite.ProviderName) != "Amazon" || aws.ToString(lite.ModelName) == "" ||
		!slices.Contains(lite.InputModalities, cptypes.ModelModalityImage) ||
		!slices.Equal(lite.OutputModalities, []cptypes.ModelModality{cptypes.ModelModalityText}) ||
		!aws.ToBool(lite.ResponseStreamingSupported) ||
		!slices.Contains(lite.InferenceTypesSupported, cptypes.InferenceTypeOnDemand) ||
		lite.ModelLifecycle == nil || lite.ModelLifecycle.Status != cptypes.FoundationModelLifecycleStatusActive {
		t.Fatalf("nova lite: %+v", *lite)
	}

	anth, err := c.ListFoundationModels(ctx, &bedrockcp.ListFoundationModelsInput{ByProvider: aws.String("Anthropic"),
		ByOutputModality: cptypes.ModelModalityText})
	if err != nil {
		t.Fatal(err)
	}
	if len(anth.ModelSummaries) == 0 {
		t.Fatal("no Anthropic models")
	}
	for _, m := range anth.ModelSummaries {
		if aws.ToString(m.ProviderName) != "Anthropic" {
			t.Errorf("byProvider let %s through", aws.ToString(m.ModelId))
		}
	}
	emb, err := c.ListFoundationModels(ctx, &bedrockcp.ListFoundationModelsInput{ByOutputModality: cptypes.ModelModalityEmbedding,
		ByInferenceType: cptypes.InferenceTypeOnDemand})
	if err != nil || len(emb.ModelSummaries) == 0 {
		t.Fatalf("%v, %d", err, len(emb.ModelSummaries))
	}
	prov, err := c.ListFoundationModels(ctx, &bedrockcp.ListFoundationModelsInput{ByInferenceType: cptypes.InferenceTypeProvisioned})
	if err != nil || len(prov.ModelSummaries) != 0 {
		t.Fatalf("PROVISIONED is unknown and must list nothing: %v, %d", err, len(prov.ModelSummaries))
	}

	got, err := c.GetFoundationModel(ctx, &bedrockcp.GetFoundationModelInput{ModelIdentifier: aws.String("amazon.nova-reel-v1:0")})
	if err != nil {
		t.Fatal(err)
	}
	d := got.ModelDetails
	if aws.ToString(d.ModelId) != "amazon.nova-reel-v1:0" || d.ModelLifecycle.Status != cptypes.FoundationModelLifecycleStatusLegacy ||
		d.ModelLifecycle.EndOfLifeTime == nil || d.ModelLifecycle.EndOfLifeTime.Format("2006-01-02") != "2026-09-30" {
		t.Fatalf("nova reel: %+v %+v", d, d.ModelLifecycle)
	}
	byARN, err := c.GetFoundationModel(ctx, &bedrockcp.GetFoundationModelInput{ModelIdentifier: lite.ModelArn})
	if err != nil || aws.ToString(byARN.ModelDetails.ModelId) != "amazon.nova-lite-v1:0" {
		t.Fatalf("by ARN: %v", err)
	}

	_, err = c.GetFoundationModel(ctx, &bedrockcp.GetFoundationModelInput{ModelIdentifier: aws.String("acme.nothing-v1:0")})
	var nf *cptypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown model: %T %v", err, err)
	}
}

func TestControlPlaneInferenceProfiles(t *testing.T) {
	b := start(t, localOnly())
	c := controlPlaneClient(t, b.URL)
	ctx := context.Background()

	var all []cptypes.InferenceProfileSummary
	pages := 0
	p := bedrockcp.NewListInferenceProfilesPaginator(c, &bedrockcp.ListInferenceProfilesInput{MaxResults: aws.Int32(7),
		TypeEquals: cptypes.InferenceProfileTypeSystemDefined})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(out.InferenceProfileSummaries) > 7 {
			t.Fatalf("page of %d", len(out.InferenceProfileSummaries))
		}
		all = append(all, out.InferenceProfileSummaries...)
		pages++
	}
	if len(all) < 40 || pages < 2 {
		t.Fatalf("%d profiles in %d pages", len(all), pages)
	}
	seen := map[string]bool{}
	for _, s := range all {
		id := aws.ToString(s.InferenceProfileId)
		if seen[id] {
			t.Fatalf("%s twice", id)
		}
		seen[id] = true
		if s.Status != cptypes.InferenceProfileStatusActive || s.Type != cptypes.InferenceProfileTypeSystemDefined ||
			aws.ToString(s.InferenceProfileName) == "" || aws.ToString(s.InferenceProfileArn) == "" || len(s.Models) == 0 ||
			s.CreatedAt == nil || s.UpdatedAt == nil || aws.ToString(s.Description) == "" {
			t.Fatalf("%+v", s)
		}
	}
	if !seen["us.anthropic.claude-sonnet-4-6"] || !seen["eu.amazon.nova-lite-v1:0"] {
		t.Fatal("known profiles missing")
	}

	got, err := c.GetInferenceProfile(ctx, &bedrockcp.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String("eu.amazon.nova-lite-v1:0")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(got.InferenceProfileArn) != "arn:aws:bedrock:eu-west-1:000000000000:inference-profile/eu.amazon.nova-lite-v1:0" ||
		got.Type != cptypes.InferenceProfileTypeSystemDefined || len(got.Models) == 0 ||
		aws.ToString(got.Models[0].ModelArn) != "arn:aws:bedrock:eu-central-1::foundation-model/amazon.nova-lite-v1:0" {
		t.Fatalf("%+v %+v", got, got.Models)
	}
	byARN, err := c.GetInferenceProfile(ctx, &bedrockcp.GetInferenceProfileInput{InferenceProfileIdentifier: got.InferenceProfileArn})
	if err != nil || aws.ToString(byARN.InferenceProfileId) != "eu.amazon.nova-lite-v1:0" {
		t.Fatalf("by ARN: %v", err)
	}
	_, err = c.GetInferenceProfile(ctx, &bedrockcp.GetInferenceProfileInput{InferenceProfileIdentifier: aws.String("us.acme.nothing-v1:0")})
	var nf *cptypes.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Fatalf("unknown profile: %T %v", err, err)
	}
	_, err = c.ListInferenceProfiles(ctx, &bedrockcp.ListInferenceProfilesInput{NextToken: aws.String("not-a-token")})
	var ve *cptypes.ValidationException
	if !errors.As(err, &ve) {
		t.Fatalf("bad token: %T %v", err, err)
	}
}
