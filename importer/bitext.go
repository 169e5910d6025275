package importer

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// BitextRow is one row of the Bitext customer-support training set: a
// customer utterance, its intent and category, the agent's response and
// the optional entity (slot) found in the utterance.
type BitextRow struct {
	Instruction string // the customer's utterance
	Intent      string // e.g. "cancel_order" (27 intents)
	Category    string // e.g. "ORDER" (11 categories)
	Response    string // the agent's answer (multi-line)
	EntityType  string // e.g. "order_id"; empty when none
	EntityValue string
	// StartOffset and EndOffset delimit the entity in Instruction (bytes
	// as the dataset counts them); -1 when the row has none.
	StartOffset, EndOffset int
	Line                   int // line of the row's start in the file (1-based)
}

// bitextRequired are the columns ReadBitext needs; the others
// (entity_type, entity_value, start_offset, end_offset, tags, context,
// role) are read when present.
var bitextRequired = []string{"instruction", "intent", "category", "response"}

// ReadBitext parses the Bitext customer-support CSV (a header row, then one
// row per utterance, responses quoted across several lines). Columns are
// found by their header names, so their order does not matter. Rows with an
// empty instruction or intent are skipped; a malformed CSV, a missing
// required column or an unparsable offset is an error naming the line.
func ReadBitext(r io.Reader) ([]BitextRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("importer: bitext: empty file; expected a header row with instruction,intent,category,response")
	}
	if err != nil {
		return nil, fmt.Errorf("importer: bitext: reading the header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, name := range bitextRequired {
		if _, ok := col[name]; !ok {
			return nil, fmt.Errorf("importer: bitext: no %q column in the header %q; is this the Bitext customer-support CSV?", name, strings.Join(header, ","))
		}
	}
	get := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return rec[i]
	}
	offset := func(rec []string, name string, line int) (int, error) {
		s := strings.TrimSpace(get(rec, name))
		if s == "" {
			return -1, nil
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("importer: bitext: line %d: %s %q is not an integer", line, name, s)
		}
		return n, nil
	}
	var rows []BitextRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("importer: bitext: %w", err)
		}
		line, _ := cr.FieldPos(0)
		row := BitextRow{
			Instruction: strings.TrimSpace(get(rec, "instruction")),
			Intent:      strings.TrimSpace(get(rec, "intent")),
			Category:    strings.TrimSpace(get(rec, "category")),
			Response:    strings.TrimSpace(get(rec, "response")),
			EntityType:  strings.TrimSpace(get(rec, "entity_type")),
			EntityValue: strings.TrimSpace(get(rec, "entity_value")),
			Line:        line,
		}
		if row.Instruction == "" || row.Intent == "" {
			continue
		}
		if row.StartOffset, err = offset(rec, "start_offset", line); err != nil {
			return nil, err
		}
		if row.EndOffset, err = offset(rec, "end_offset", line); err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
}
