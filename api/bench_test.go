package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// eventBatch builds a realistic batch body of n events with ids unique to seq.
func eventBatch(seq, n int) []byte {
	var b strings.Builder
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":"b%d-%d","type":"view","user_id":"u%d","item_id":"i%d","timestamp":"2026-11-01T10:00:00Z","session_id":"s%d","context":{"channel":"app","device":"mobile","page":"detail"}}`,
			seq, i, (seq*n+i)%1000, (seq*7+i)%5000, seq%200)
	}
	b.WriteByte(']')
	return []byte(b.String())
}

// BenchmarkHTTPIngest posts batches of 1,000 events over loopback TCP into
// the embedded store. The baseline sub-benchmark posts the same bodies to a
// handler that only reads them, so the ratio shows what shopmind adds.
func BenchmarkHTTPIngest(b *testing.B) {
	const n = 1000
	bodies := make([][]byte, 64)
	for i := range bodies {
		bodies[i] = eventBatch(i, n)
	}
	run := func(b *testing.B, url string, body func(i int) []byte) {
		client := &http.Client{}
		b.ResetTimer()
		for i := 0; b.Loop(); i++ {
			resp, err := client.Post(url, "application/json", bytes.NewReader(body(i)))
			if err != nil {
				b.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
		b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run("baseline-read-only", func(b *testing.B) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body)
			w.Write([]byte(`{}`))
		}))
		defer srv.Close()
		run(b, srv.URL, func(i int) []byte { return bodies[i%len(bodies)] })
	})
	b.Run("shopmind-sqlite", func(b *testing.B) {
		h := newHarness(b)
		run(b, h.srv.URL+"/v1/events", func(i int) []byte {
			if i < len(bodies) {
				return bodies[i]
			}
			return eventBatch(i, n)
		})
	})
}
