package api

import (
	_ "embed"
	"net/http"
)

// OpenAPI is the API's OpenAPI 3 document, kept in the repository beside this
// file; a test checks it against the routes actually served.
//
//go:embed openapi.json
var OpenAPI []byte

func serveOpenAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(OpenAPI)
}
