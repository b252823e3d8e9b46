package main

import (
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
)

// encodedPayloads is a converter.EncodedValue over real payloads, so tests
// decode query results exactly as the client does.
type encodedPayloads struct{ p *commonpb.Payloads }

func (e encodedPayloads) HasValue() bool { return e.p != nil && len(e.p.Payloads) > 0 }

func (e encodedPayloads) Get(valuePtr any) error {
	return converter.GetDefaultDataConverter().FromPayloads(e.p, valuePtr)
}
