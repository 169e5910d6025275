package textan

import "testing"

func TestPorterStem(t *testing.T) {
	cases := []struct{ in, want string }{
		// the forms a customer uses must meet
		{"cancel", "cancel"}, {"cancels", "cancel"}, {"cancelling", "cancel"},
		{"cancelled", "cancel"}, {"cancellation", "cancel"}, {"canceled", "cancel"},
		{"refund", "refund"}, {"refunds", "refund"}, {"refunded", "refund"}, {"refunding", "refund"},
		{"deliver", "deliv"}, {"delivered", "deliv"}, {"delivery", "deliveri"}, {"deliveries", "deliveri"},
		{"shipping", "ship"}, {"shipped", "ship"}, {"ships", "ship"},
		{"payment", "payment"}, {"payments", "payment"},
		{"invoice", "invoic"}, {"invoices", "invoic"},
		// examples from Porter's paper
		{"caresses", "caress"}, {"ponies", "poni"}, {"caress", "caress"}, {"cats", "cat"},
		{"feed", "feed"}, {"agreed", "agre"}, {"plastered", "plaster"}, {"bled", "bled"},
		{"motoring", "motor"}, {"sing", "sing"}, {"conflated", "conflat"}, {"troubled", "troubl"},
		{"sized", "size"}, {"hopping", "hop"}, {"tanned", "tan"}, {"falling", "fall"},
		{"hissing", "hiss"}, {"fizzed", "fizz"}, {"failing", "fail"}, {"filing", "file"},
		{"happy", "happi"}, {"sky", "sky"}, {"relational", "relat"}, {"conditional", "condit"},
		{"rational", "ration"}, {"valency", "valenc"}, {"digitizer", "digit"},
		{"generalization", "gener"}, {"oscillators", "oscil"}, {"hopefulness", "hope"},
		{"triplicate", "triplic"}, {"formative", "form"}, {"electrical", "electr"},
		{"revival", "reviv"}, {"allowance", "allow"}, {"adjustment", "adjust"},
		{"adoption", "adopt"}, {"probate", "probat"}, {"rate", "rate"}, {"controll", "control"},
		{"roll", "roll"},
		// short or not a–z: unchanged
		{"is", "is"}, {"50ml", "50ml"}, {"cafés", "cafés"},
	}
	for _, c := range cases {
		if got := PorterStem(c.in); got != c.want {
			t.Errorf("PorterStem(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
