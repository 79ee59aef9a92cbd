package openaichat

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/basalt-gateway/basalt/internal/apierr"
)

// Model is one entry of the OpenAI model list.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ModelDirectory is what the models endpoints need: the models served,
// and one model by id (any id the gateway would route, aliases included).
type ModelDirectory interface {
	ListModels(ctx context.Context) []Model
	GetModel(ctx context.Context, id string) (Model, bool)
}

// ListModels serves GET /v1/models: {"object":"list","data":[…]}.
func ListModels(d ModelDirectory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data := d.ListModels(r.Context())
		if data == nil {
			data = []Model{}
		}
		writeJSON(w, struct {
			Object string  `json:"object"`
			Data   []Model `json:"data"`
		}{"list", data})
	})
}

// GetModel serves GET /v1/models/{id...}; an id the gateway does not
// serve is a 404 in OpenAI's error shape.
func GetModel(d ModelDirectory) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		m, ok := d.GetModel(r.Context(), id)
		if !ok {
			WriteError(w, apierr.New(apierr.NotFound, "The model '%s' does not exist or is not served by this gateway.", id))
			return
		}
		writeJSON(w, m)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		WriteError(w, apierr.Wrap(apierr.Internal, err, "the answer could not be encoded"))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}
