package experiment

import (
	"math"
	"testing"
)

func TestRateInterval(t *testing.T) {
	// 20 of 100: the Wilson interval is about [0.133, 0.289].
	iv := RateInterval(20, 100)
	if math.Abs(iv.Lo-0.1333) > 0.001 || math.Abs(iv.Hi-0.2888) > 0.001 {
		t.Errorf("20/100: %+v, want about [0.133, 0.289]", iv)
	}
	if iv := RateInterval(0, 0); iv.Lo != 0 || iv.Hi != 1 {
		t.Errorf("no units: %+v, want [0, 1]", iv)
	}
	if iv := RateInterval(0, 50); iv.Lo != 0 || !(iv.Hi > 0 && iv.Hi < 0.1) {
		t.Errorf("0/50: %+v", iv)
	}
}
