package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// writeFileWith writes a file through fn, removing it if fn fails.
func writeFileWith(path string, fn func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	werr := fn(f)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(path)
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// writeSimOutputs writes a simulation's HTML report with report (unless
// reportPath is "") and its results res as indented JSON (unless jsonPath
// is ""), saying where each went.
func writeOutputs(out io.Writer, reportPath, jsonPath string, res any, report func(io.Writer) error) error {
	if reportPath != "" {
		if err := writeFileWith(reportPath, report); err != nil {
			return err
		}
		fmt.Fprintf(out, "\nwrote the report to %s\n", reportPath)
	}
	if jsonPath != "" {
		if err := writeFileWith(jsonPath, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(res)
		}); err != nil {
			return err
		}
		fmt.Fprintf(out, "wrote the results to %s\n", jsonPath)
	}
	return nil
}

// elapsedLog returns a progress logger for errOut that stamps each line
// with the seconds since start.
func elapsedLog(errOut io.Writer, start time.Time) func(format string, a ...any) {
	return func(format string, a ...any) {
		fmt.Fprintf(errOut, "[%6.1fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
	}
}

// evalReport is what the eval commands' reports write.
type evalReport interface {
	WriteTable(io.Writer) error
	WriteJSON(io.Writer) error
	WriteHTML(io.Writer) error
}

// writeEvalReport prints rep's table and writes its JSON and HTML files
// when their paths are set (htmlFlag names the HTML flag in errors).
func writeEvalReport(out, errOut io.Writer, start time.Time, rep evalReport, jsonPath, htmlPath, htmlFlag string) error {
	if err := rep.WriteTable(out); err != nil {
		return err
	}
	if jsonPath != "" {
		if err := writeFileWith(jsonPath, rep.WriteJSON); err != nil {
			return fmt.Errorf("writing --json: %w", err)
		}
	}
	if htmlPath != "" {
		if err := writeFileWith(htmlPath, rep.WriteHTML); err != nil {
			return fmt.Errorf("writing --%s: %w", htmlFlag, err)
		}
	}
	fmt.Fprintf(errOut, "done in %s\n", time.Since(start).Round(100*time.Millisecond))
	return nil
}
