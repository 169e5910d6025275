package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/shopmind/shopmind/assist"
	"github.com/shopmind/shopmind/catalog"
	"github.com/shopmind/shopmind/config"
	"github.com/shopmind/shopmind/importer"
	"github.com/shopmind/shopmind/recserve"
	"github.com/shopmind/shopmind/retrieval"
	"github.com/shopmind/shopmind/retrieval/bitext"
	"github.com/shopmind/shopmind/store"
)

// openAssist builds the customer-service assistant from the configuration:
// the LLM settings copy uses (answers written by the model when set),
// embeddings for dense retrieval when embed_model is set, the recommender
// for similar products. A failing first index load is logged; Run retries.
func openAssist(ctx context.Context, cfg config.Config, st store.Store, cat *catalog.Cache, recs *recserve.Service, log *slog.Logger) (*assist.Service, error) {
	l, err := assist.NewLLM(assist.LLMConfig{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel, Timeout: cfg.LLMTimeout.Duration})
	if err != nil {
		return nil, err
	}
	ac := assist.Config{
		DocsDir:       cfg.AssistDocsDir,
		MinConfidence: cfg.AssistMinConfidence,
		HistoryTurns:  cfg.AssistHistoryTurns,
		LLM:           l,
	}
	if cfg.EmbedModel != "" && cfg.EmbedBaseURL != "" {
		ac.Embedder = retrieval.NewOpenAIEmbedder(cfg.EmbedBaseURL, cfg.EmbedAPIKey, cfg.EmbedModel, cfg.LLMTimeout.Duration)
	}
	if recs != nil {
		ac.Similar = func(ctx context.Context, itemID string, n int) ([]string, error) {
			res, err := recs.Similar(ctx, itemID, recserve.Request{N: n})
			if err != nil {
				return nil, err
			}
			ids := make([]string, len(res.Items))
			for i, it := range res.Items {
				ids[i] = it.ID
			}
			return ids, nil
		}
	}
	s, err := assist.New(ctx, st, cat, ac, log)
	if s == nil {
		return nil, err
	}
	if err != nil {
		log.Warn("assistant: first index load failed; retrying in the background", "err", err)
	}
	return s, nil
}

// importBitext reads the Bitext customer-support CSV and stores one FAQ
// document per intent for the assistant.
func importBitext(ctx context.Context, cfg config.Config, path string, out, errOut io.Writer) error {
	start := time.Now()
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("opening the Bitext CSV: %w", err)
	}
	rows, err := importer.ReadBitext(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	log := newLogger(cfg, errOut)
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	docs := assist.FAQDocuments("bitext-", filepath.Base(path), bitext.Docs(rows))
	if err := assist.PutDocuments(ctx, st, docs...); err != nil {
		return err
	}
	fmt.Fprintf(out, "read %d rows in %s; stored %d FAQ documents (one per intent) for the assistant\n", len(rows), time.Since(start).Round(time.Millisecond), len(docs))
	return nil
}
