// Package advisor turns the Bedrock model selection guide (the seed's
// decision map: what are you building → which API; workload → which models;
// constraints → the final pick) into a pure function over the embedded
// catalog. It does no I/O: Advise reads only the *catalog.Catalog it is given,
// so the router can call it for "auto" model ids, the CLI prints it
// (`basalt advise`) and inbound/advise serves it (POST /advise).
//
// # What an answer holds
//
//   - APIs: the seed's step-3 rules, in order of preference, each with why.
//     client aws (default): chat → converse (+ converse_stream); text
//     automation, image understanding → converse or invoke; rag → invoke for
//     the embedding and reranker roles, converse for the generator; image
//     generation → invoke; video generation → async_invoke; media embeddings
//     → async_invoke for large media, invoke for small inputs; realtime voice
//     → bidirectional_stream; moderation → guardrails plus converse for
//     gpt-oss-safeguard. client openai: text roles → responses (stateful,
//     agentic, tools; listed first for reasoning_coding or when tools or
//     reasoning are required) and chat_completions (simple chat, the caller
//     keeps the history). client anthropic: text roles → messages, which
//     serves Claude only. Workloads the compatible endpoints do not serve
//     (image and video generation, media embeddings, voice, embeddings and
//     reranking in rag) keep their bedrock-runtime API and say so.
//     A streaming requirement adds converse_stream / invoke_stream.
//   - Recommendations: one ranked list per role. rag has three roles
//     (embedding, reranker — optional — and generator); moderation has
//     classifier; realtime_voice has voice; media_embeddings has embedding;
//     every other workload has generator.
//   - Rejected: the popular models (those the guide names for the workload or
//     client) that a constraint ruled out, with every failing constraint.
//   - Understood: the request as interpreted, defaults made explicit, and for
//     free text (ParseFreeText) the words that set each field.
//
// # Candidates and hard constraints
//
// A model is a candidate for a role when the catalog tags it with the role's
// workload (rag roles use rag_embedding, rag_rerank, rag_generation), or, for
// text roles with client openai or anthropic, with openai_compatible or
// anthropic_compatible. Basalt's own models are never candidates; models
// tagged moderation are candidates for moderation only.
//
// A candidate is rejected, never ranked, when any of these fails. An unknown
// (null) catalog value never satisfies a constraint:
//
//   - status end_of_life (legacy models are kept but always rank below every
//     non-legacy model, see Ranking);
//   - it must serve one of the role's APIs. An API the catalog lists only as
//     unverified (attributed to the family by the guide, not confirmed per
//     model) counts, with a 10-point penalty and a reason saying so;
//   - Region (every role): listed in the Region, or reachable from it through
//     one of the model's cross-Region profiles whose geography covers the
//     Region (eu-* → eu., then global.; ap-northeast-1 → jp., apac., global.;
//     …). Regions unknown and no matching profile: "availability in R
//     unknown". Regions known without R: "not available in R";
//   - --min-tpm (every role): the published tokens-per-minute quota;
//   - --require, --min-context, --min-output (the primary role: generator,
//     classifier, voice, or the only role): capability flags, input
//     modalities ("video", "input:video"), output modalities ("embedding",
//     "output:audio"), context window, maximum output tokens;
//   - --max-input-price (roles billed per input token: generator,
//     classifier, voice, rag embedding) and --max-output-price (roles billed
//     per output token: generator, classifier, voice), compared with the
//     price of the route the Region uses (a Region row, else the profile's
//     row, else the base price, flagged "may differ"). Models billed per
//     image, video second or query are outside token caps (Understood.Notes
//     says so).
//
// # Ranking
//
// Every candidate that passes gets four components in [0,1]:
//
//	fit      1.0 named by the guide's step 2 for this workload (or by its
//	             migration list for client openai/anthropic: 0.9);
//	         0.8 in the guide's step-1 chat list (chat_assistant);
//	         0.6 tagged with the workload in the catalog only;
//	         0.5 tagged only as OpenAI/Anthropic-compatible.
//	cost     1 − log10(p/lo)/log10(hi/lo), clamped, where p is the price in
//	         the role's billing unit: blended USD per 1M tokens (3 input : 1
//	         output, or the monthly token mix when given; lo 0.05, hi 50),
//	         embedding USD per 1M input tokens (lo 0.01, hi 1), USD per image
//	         (lo 0.005, hi 0.5), per input video second (lo 0.0001, hi 0.01),
//	         per 1000 rerank queries (lo 0.5, hi 5). Unknown price: 0.
//	quality  a proxy, since the catalog holds no benchmark scores:
//	         0.4×size + 0.4×breadth + 0.2×context, where size is
//	         log10(p/lo) over two thirds of the cost scale, clamped (for
//	         tokens: 0 at USD 0.05, 1 from USD 5 blended; unknown price 0.5),
//	         breadth the share of the ten advisor capability flags known
//	         true, context log2(ctx/8K)/log2(1M/8K) clamped (unknown 0).
//	latency  a proxy: the cost component (smaller, cheaper models answer
//	         sooner; unknown price 0.5), +0.1 if streaming is known, −0.2 if
//	         the model reasons before answering, clamped.
//
// score = 100 × (wf·fit + wq·quality + wc·cost + wl·latency) + bonus − penalty,
// rounded to one decimal, with weights by --priority:
//
//	balanced  fit .30  quality .40  cost .20  latency .10
//	cost      fit .25  quality .15  cost .50  latency .10
//	quality   fit .25  quality .55  cost .10  latency .10
//	latency   fit .25  quality .15  cost .10  latency .50
//
// Bonuses: +5 reasoning known true (reasoning_coding), +5 vision known true
// (image_understanding), +3 documents and +2 citations known true (rag
// generator). Penalties: −5 preview, −10 API only attributed (unverified).
//
// Order: non-legacy before legacy, then score, then id. The top N (--top,
// default 5) take at most two models of one family while other families
// remain, so an answer shows alternatives rather than five versions of one
// model. Every pick's reasons end with its score breakdown.
//
// The monthly cost estimate (primary role only) is input tokens × input price
// + output tokens × output price at the route's price; null when a needed
// price is unknown or no monthly volume was given.
//
// # Cost of a decision
//
// Advise caches per-catalog facts (seed-list membership, billing) for the
// last catalog it saw, evaluates every model without building strings, and
// formats reasons only for the models it returns. BenchmarkAdvise measures a
// full decision over the embedded catalog.
package advisor
