package bedrock

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
)

// plainBodyClient hides the request body's WriteTo method from net/http.
//
// smithy-go wraps request bodies in a reader whose WriteTo returns io.EOF
// once the body was closed, and the SDK closes it as soon as response headers
// arrive. net/http's transport, after copying Content-Length bytes, copies
// the rest of the body to confirm it is empty; that copy goes through WriteTo
// and, when it runs after the close, reports io.EOF as a body read error. The
// transport then closes the connection under the response being streamed,
// and the answer fails with "use of closed network connection". Against a
// fast upstream this broke about one stream in a hundred. With only Read
// visible, a read after close is a plain end of body.
type plainBodyClient struct{ next bedrockruntime.HTTPClient }

func (c plainBodyClient) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = readOnly{r.Body}
	}
	return c.next.Do(r)
}

type readOnly struct{ io.ReadCloser }

// SafeHTTPClient wraps an HTTP client for any bedrockruntime client (the
// CLI's, tests') with the same fix the provider uses.
func SafeHTTPClient(next bedrockruntime.HTTPClient) bedrockruntime.HTTPClient {
	return plainBodyClient{next: next}
}
