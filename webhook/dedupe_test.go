package webhook

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDeliverySetForgetsOldest(t *testing.T) {
	d := newDeliverySet(3)
	for i := range 3 {
		d.add(fmt.Sprint(i))
	}
	d.add("1") // already known: no eviction
	assert.True(t, d.contains("0"))
	d.add("3")
	assert.False(t, d.contains("0"), "oldest forgotten")
	for _, id := range []string{"1", "2", "3"} {
		assert.True(t, d.contains(id), id)
	}
	assert.Len(t, d.ids, 3)
}

func TestDeliverySetDefaultSize(t *testing.T) {
	assert.Len(t, newDeliverySet(0).ring, DefaultDedupeSize)
}
