package ann_test

import (
	"fmt"

	"github.com/shopmind/shopmind/recommend/ann"
)

func Example() {
	// Item factors, say from ALS: item i is row i.
	items := [][]float32{
		{0.9, 0.1, 0.0},
		{0.8, 0.3, 0.1},
		{0.1, 0.9, 0.2},
		{0.0, 0.2, 0.9},
		{1.5, 0.2, 0.1},
	}
	index := ann.New(3, ann.InnerProduct, ann.Config{Seed: 1})
	index.Build(items)

	user := []float32{1, 0.2, 0}
	bought := map[int32]bool{4: true}
	for _, r := range index.Search(user, 2, func(id int32) bool { return bought[id] }) {
		fmt.Printf("item %d score %.2f\n", r.Item, r.Score)
	}
	// Output:
	// item 0 score 0.92
	// item 1 score 0.86
}
