// Package assist owns the customer-service assistant: the knowledge it
// answers from (catalogue items, the embedded default policies, Markdown
// documents from a folder, uploaded documents and imported FAQ sets, kept as
// store objects so every node sees them), the conversation (language,
// intent rules, the customer's own orders and the catalogue as tools,
// extractive or LLM-written answers with citations, confidence and
// escalation to a person) and its memory (bounded session history and
// redacted transcripts, both store objects).
//
// Retrieved text and customer messages are data, never instructions: tools
// only ever run for the customer the calling shop backend authenticated
// (ChatRequest.User), whatever a message, a document or an LLM proposes.
//
// It uses store, catalog, retrieval and privacy/redact; it must never import
// api.
package assist
