package segment_test

import (
	"fmt"

	"github.com/shopmind/shopmind/segment"
)

func ExampleCompile() {
	schema := segment.Schema{
		{Name: "recency_days", Kind: segment.Number},
		{Name: "lifecycle", Kind: segment.String},
	}
	e, err := segment.Compile(`COUNT("view", 1w) > 3 && !(count("purchase", 30d) > 0)`, schema)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(e)
	fmt.Println(e.Fields())
	// Output:
	// count("view", 7d) > 3 and not count("purchase", 30d) > 0
	// [count("view", 7d) count("purchase", 30d)]
}

func ExampleCompile_errors() {
	schema := segment.Schema{
		{Name: "recency_days", Kind: segment.Number},
		{Name: "lifecycle", Kind: segment.String},
	}
	for _, src := range []string{
		`recncy_days <= 30`,
		"recency_days <= 30\n  and lifecycle == 3",
		`count("veiw", 7d) > 3`,
		`count("view", 12h) > 3`,
	} {
		_, err := segment.Compile(src, schema)
		fmt.Println(err)
	}
	// Output:
	// line 1, column 1: unknown field "recncy_days"; did you mean "recency_days"?
	// line 2, column 17: cannot compare string "lifecycle" with number 3
	// line 1, column 7: unknown event type "veiw"; did you mean "view"?
	// line 1, column 15: the window 12h is not a whole number of days; profiles count events by day
}
