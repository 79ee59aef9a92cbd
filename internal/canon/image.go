package canon

// ImageTask is what an image request asks a model to do.
type ImageTask string

// The image tasks. Names follow Titan Image Generator and Nova Canvas's
// taskType; ImageToImage is Stability's image-to-image mode.
const (
	ImageTextToImage       ImageTask = "text_image"
	ImageVariation         ImageTask = "image_variation"
	ImageInpainting        ImageTask = "inpainting"
	ImageOutpainting       ImageTask = "outpainting"
	ImageBackgroundRemoval ImageTask = "background_removal"
	ImageColorGuided       ImageTask = "color_guided_generation"
	ImageToImage           ImageTask = "image_to_image"
)

// ImageRequest asks for generated or edited images. Zero values mean the
// model's default.
type ImageRequest struct {
	// Model is the id the client asked for; the gateway resolves it and
	// providers see the deployment's upstream name.
	Model string
	Task  ImageTask

	Prompt         string
	NegativePrompt string
	// Count is the number of images asked for.
	Count int
	// Width and Height are the output size in pixels; AspectRatio ("16:9")
	// is the families' alternative to a size (Stability).
	Width, Height int
	AspectRatio   string
	Seed          *int64
	// Quality is "standard" or "premium" (Titan Image, Nova Canvas).
	Quality  string
	CfgScale *float64
	// Style is a named visual style (Nova Canvas's textToImageParams.style,
	// Stability's style_preset).
	Style string
	// OutputFormat is "png", "jpeg" or "webp".
	OutputFormat string

	// Images are the input images, decoded: the image to edit (inpainting,
	// outpainting, background removal, image-to-image) or the sources of
	// a variation.
	Images [][]byte
	// Reference is a conditioning image guiding a text-to-image layout, or
	// the reference image of a color-guided generation.
	Reference []byte
	// ControlMode ("CANNY_EDGE", "SEGMENTATION") and ControlStrength say
	// how Reference conditions a text-to-image generation.
	ControlMode     string
	ControlStrength *float64
	// Mask (an image) or MaskPrompt (a description) selects the region
	// inpainting and outpainting change.
	Mask            []byte
	MaskPrompt      string
	OutpaintingMode string
	// Colors are hex colors ("#ff8800") a color-guided generation follows.
	Colors []string
	// Strength is how far the output may stray from the input image:
	// a variation's similarity strength or Stability's image-to-image
	// strength.
	Strength *float64

	// Native is the client's body as it came, already validated, and
	// NativeFamily its catalog family ("titan-image", "nova-canvas",
	// "stability"): a provider speaking that family's body (Bedrock)
	// sends Native byte for byte instead of re-encoding the request, so
	// nothing the canonical fields leave out is lost.
	Native       []byte
	NativeFamily string
}

// ImageResponse holds the images produced, in order.
type ImageResponse struct {
	// Images are the encoded images (PNG, JPEG or WebP bytes).
	Images [][]byte
	// Seeds are the seeds each image was generated with, where the
	// provider reports them.
	Seeds []int64
	// FinishReasons say, per image, why it is missing or filtered ("" when
	// it is fine); Stability reports "Filter reason: prompt" and the like.
	FinishReasons []string
	// Error is a provider's message about the whole answer (Titan Image's
	// and Nova Canvas's "error").
	Error string
	// InputTokens and OutputTokens are the usage providers that count
	// tokens for images report (OpenAI's gpt-image models).
	InputTokens, OutputTokens int

	// Native is the provider's answer as it came when it is already the
	// response body of family NativeFamily (a Bedrock provider's, decoded
	// into the fields above as well): a client of that family gets it byte
	// for byte, members the fields above leave out included.
	Native       []byte
	NativeFamily string
}
