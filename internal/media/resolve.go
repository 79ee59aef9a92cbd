package media

import (
	"context"
	"net/http"
	"slices"

	"github.com/basalt-gateway/basalt/internal/apierr"
	"github.com/basalt-gateway/basalt/internal/canon"
)

type fetcherKey struct{}

var defaultFetcher = &Fetcher{}

// WithFetcher returns ctx carrying f, which ResolveImages then uses
// instead of the production fetcher. Tests use it (through Handler) to
// reach an httptest server; nothing in production sets it.
func WithFetcher(ctx context.Context, f *Fetcher) context.Context {
	return context.WithValue(ctx, fetcherKey{}, f)
}

// Handler serves next with f in every request's context (see WithFetcher).
func Handler(next http.Handler, f *Fetcher) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(WithFetcher(r.Context(), f)))
	})
}

// FromContext returns the fetcher set by WithFetcher, or the production
// fetcher (zero Fetcher: default limits, public addresses only).
func FromContext(ctx context.Context) *Fetcher {
	if f, ok := ctx.Value(fetcherKey{}).(*Fetcher); ok && f != nil {
		return f
	}
	return defaultFetcher
}

// ResolveImages replaces every image given by URL in req with the fetched
// bytes, using the fetcher of ctx (see FromContext).
func ResolveImages(ctx context.Context, req *canon.Request) error {
	return FromContext(ctx).ResolveImages(ctx, req)
}

// ResolveImages replaces every image given by URL in req (message
// content, tool results, guard content, system) with the fetched bytes
// and their sniffed format, so no provider sees a URL. A URL repeated in
// one request is fetched once. Any failure is a Validation error naming
// the URL, which the caller's shape reports in its own error format.
//
// Blocks are replaced copy-on-write: slices req shares with anything else
// (a stored conversation, for instance) are cloned before they change, so
// only req gets the bytes.
func (f *Fetcher) ResolveImages(ctx context.Context, req *canon.Request) error {
	r := resolver{f: f, ctx: ctx, done: map[string]*canon.Media{}}
	sys, err := r.blocks(req.System)
	if err != nil {
		return err
	}
	req.System = sys
	var msgs []canon.Message
	for i, m := range req.Messages {
		content, err := r.blocks(m.Content)
		if err != nil {
			return err
		}
		if len(content) > 0 && len(m.Content) > 0 && &content[0] == &m.Content[0] {
			continue // unchanged
		}
		if msgs == nil {
			msgs = slices.Clone(req.Messages)
		}
		msgs[i].Content = content
	}
	if msgs != nil {
		req.Messages = msgs
	}
	return nil
}

type resolver struct {
	f     *Fetcher
	ctx   context.Context
	done  map[string]*canon.Media
	count int
}

// blocks returns bs with every URL image resolved: bs itself if nothing
// changed, otherwise a copy.
func (r *resolver) blocks(bs []canon.Block) ([]canon.Block, error) {
	out := bs
	set := func(i int, b canon.Block) {
		if &out[0] == &bs[0] {
			out = slices.Clone(bs)
		}
		out[i] = b
	}
	for i, b := range bs {
		switch {
		case b.Type == canon.BlockImage && isURL(b.Image):
			m, err := r.fetch(b.Image.URL)
			if err != nil {
				return nil, err
			}
			b.Image = m
			set(i, b)
		case b.Type == canon.BlockGuardContent && b.GuardContent != nil && isURL(b.GuardContent.Image):
			m, err := r.fetch(b.GuardContent.Image.URL)
			if err != nil {
				return nil, err
			}
			gc := *b.GuardContent
			gc.Image = m
			b.GuardContent = &gc
			set(i, b)
		case b.Type == canon.BlockToolResult && b.ToolResult != nil:
			content, err := r.blocks(b.ToolResult.Content)
			if err != nil {
				return nil, err
			}
			if len(content) == 0 || &content[0] == &b.ToolResult.Content[0] {
				continue
			}
			tr := *b.ToolResult
			tr.Content = content
			b.ToolResult = &tr
			set(i, b)
		}
	}
	return out, nil
}

func isURL(m *canon.Media) bool { return m != nil && m.URL != "" && len(m.Bytes) == 0 }

func (r *resolver) fetch(u string) (*canon.Media, error) {
	if m, ok := r.done[u]; ok {
		return m, nil
	}
	limit := r.f.MaxImages
	if limit <= 0 {
		limit = DefaultMaxImages
	}
	if r.count++; r.count > limit {
		return nil, apierr.Validationf("The request has more than %d images given by URL; send at most %d, or send them inline.", limit, limit)
	}
	data, format, err := r.f.Fetch(r.ctx, u)
	if err != nil {
		return nil, err
	}
	m := &canon.Media{Format: format, Bytes: data}
	r.done[u] = m
	return m, nil
}
