package ctreval

import (
	"github.com/shopmind/shopmind/ctr"
	"github.com/shopmind/shopmind/ctr/calibrate"
	"github.com/shopmind/shopmind/ctr/deepfm"
	"github.com/shopmind/shopmind/ctr/esmm"
	"github.com/shopmind/shopmind/ctr/fm"
	"github.com/shopmind/shopmind/ctr/ftrl"
)

// space is the schema's hashed space (its default when zero).
func space(d *Data) uint32 {
	if d.Schema.Space == 0 {
		return 1 << 20
	}
	return d.Schema.Space
}

// lrBase, fmBase and deepFMBase are the untuned configurations: the
// package defaults sized to d, and the choices commented. They are where
// the searches (Searches) start.
func lrBase(d *Data) ftrl.Config {
	cfg := ftrl.DefaultConfig()
	cfg.Space = space(d)
	// The package's default is one pass, the online setting; offline it
	// makes up to ten, stopped early on the validation part.
	cfg.Epochs = 10
	return cfg
}

func fmBase(d *Data) fm.Config {
	cfg := fm.DefaultConfig()
	cfg.Space = space(d)
	return cfg
}

func deepFMBase(d *Data) deepfm.Config {
	cfg := deepfm.DefaultConfig()
	cfg.Space, cfg.Fields = int(space(d)), d.Schema.NumFields()
	return cfg
}

// Models returns the models of the ctr packages, in report order. Each has
// its package's defaults but for what the dataset fixes (the hashed space,
// the number of fields), the choices commented in lrBase, fmBase and
// deepFMBase, and the configurations tuned per dataset (tuned.go).
func Models() []ModelSpec {
	return []ModelSpec{
		{Name: "lr", Summary: "logistic regression trained by FTRL-Proximal (ctr/ftrl)", New: func(d *Data) (ctr.Model, error) {
			return ftrl.New(tunedLR(d)), nil
		}},
		{Name: "fm", Summary: "factorisation machine (ctr/fm)", New: func(d *Data) (ctr.Model, error) {
			return fm.New(tunedFM(d)), nil
		}},
		{Name: "deepfm", Summary: "DeepFM: FM and a perceptron over shared field embeddings (ctr/deepfm)", New: func(d *Data) (ctr.Model, error) {
			return deepfm.New(tunedDeepFM(d)), nil
		}},
		{Name: "esmm", Summary: "ESMM: click and conversion towers over shared embeddings (ctr/esmm); Predict is pCTR", New: func(d *Data) (ctr.Model, error) {
			cfg := esmm.DefaultConfig()
			cfg.Space, cfg.Fields = int(space(d)), d.Schema.NumFields()
			return esmm.New(cfg), nil
		}},
	}
}

// Calibrators returns the calibration methods, in report order: Platt
// scaling and isotonic regression (ctr/calibrate).
func Calibrators() []CalibratorSpec {
	return []CalibratorSpec{
		{Name: "platt", New: func() Calibrator { return &calibrate.Platt{} }},
		{Name: "isotonic", New: func() Calibrator { return &calibrate.Isotonic{} }},
	}
}
