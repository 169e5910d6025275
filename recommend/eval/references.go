package eval

import "math"

// The published full-ranking results of the S3-Rec paper (Zhou et al., CIKM
// 2020, the table all_rank.PNG of aHuiWang/CIKM2020-S3Rec), and the quality
// target of our issue: a reference implementation of a sequence-aware
// transition model blended with EASE, tuned on the validation item, of which
// only HR@10 and NDCG@10 are given.
const (
	paperSource  = "S3-Rec paper, full ranking (CIKM 2020)"
	targetSource = "issue target: transition model + EASE reference implementation"
	// TargetAlgo names the target row.
	TargetAlgo = "target (transition+EASE ref.)"
)

var nan = math.NaN()

func amazonRefs(name string) []Reference {
	ref := func(algo string, hr5, n5, hr10, n10, hr20, n20 float64) Reference {
		return Reference{Algo: algo, Source: paperSource, HR: [3]float64{hr5, hr10, hr20}, NDCG: [3]float64{n5, n10, n20}}
	}
	target := func(hr10, n10 float64) Reference {
		return Reference{Algo: TargetAlgo, Source: targetSource, HR: [3]float64{nan, hr10, nan}, NDCG: [3]float64{nan, n10, nan}}
	}
	switch name {
	case "beauty":
		return []Reference{
			ref("PopRec (paper)", 0.0080, 0.0044, 0.0152, 0.0068, 0.0217, 0.0084),
			ref("SASRec (paper)", 0.0387, 0.0249, 0.0605, 0.0318, 0.0902, 0.0394),
			ref("S3-Rec (paper)", 0.0387, 0.0244, 0.0647, 0.0327, 0.0994, 0.0414),
			target(0.0959, 0.0608),
		}
	case "sports":
		return []Reference{
			ref("PopRec (paper)", 0.0056, 0.0041, 0.0094, 0.0053, 0.0192, 0.0078),
			ref("SASRec (paper)", 0.0233, 0.0154, 0.0350, 0.0192, 0.0507, 0.0231),
			ref("S3-Rec (paper)", 0.0251, 0.0161, 0.0385, 0.0204, 0.0607, 0.0260),
			target(0.0619, 0.0373),
		}
	case "toys":
		return []Reference{
			ref("PopRec (paper)", 0.0066, 0.0046, 0.0113, 0.0061, 0.0163, 0.0073),
			ref("SASRec (paper)", 0.0463, 0.0306, 0.0675, 0.0374, 0.0941, 0.0441),
			ref("S3-Rec (paper)", 0.0443, 0.0294, 0.0700, 0.0376, 0.1065, 0.0468),
			target(0.1127, 0.0726),
		}
	}
	return nil
}

// Target returns the quality target row of src, if it has one.
func (src Source) Target() (Reference, bool) {
	for _, r := range src.Reference {
		if r.Algo == TargetAlgo {
			return r, true
		}
	}
	return Reference{}, false
}
