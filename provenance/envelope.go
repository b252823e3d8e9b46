package provenance

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"google.golang.org/protobuf/encoding/protojson"
)

// MaxFileSize bounds a provenance file read for verification: it is read
// whole before its signature is checked.
const MaxFileSize = 32 << 20

// Verification failures, for errors.Is.
var (
	// ErrUnsigned: the envelope has no signature but a key was given.
	ErrUnsigned = errors.New("provenance is unsigned")
	// ErrBadSignature: no signature verifies with the given keys.
	ErrBadSignature = errors.New("provenance signature does not verify")
)

// Seal renders the statement as the file's content: one DSSE envelope on
// one line, signed by signer, or with no signatures when signer is nil.
// The payload is the statement's JSON as the in-toto bindings write it,
// compacted; the same statement and an Ed25519 key give the same bytes.
func Seal(ctx context.Context, st *intoto.Statement, signer *Signer) ([]byte, error) {
	payload, err := statementJSON(st)
	if err != nil {
		return nil, err
	}
	env := &dsse.Envelope{
		PayloadType: PayloadType,
		Payload:     base64.StdEncoding.EncodeToString(payload),
		Signatures:  []dsse.Signature{},
	}
	if signer != nil {
		es, err := dsse.NewEnvelopeSigner(signer.sv)
		if err != nil {
			return nil, fmt.Errorf("sign provenance: %w", err)
		}
		if env, err = es.SignPayload(ctx, PayloadType, payload); err != nil {
			return nil, fmt.Errorf("sign provenance: %w", err)
		}
	}
	line, err := json.Marshal(env)
	if err != nil {
		return nil, fmt.Errorf("provenance envelope: %w", err)
	}
	return append(line, '\n'), nil
}

// statementJSON is the statement as compact JSON.
func statementJSON(st *intoto.Statement) ([]byte, error) {
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("provenance statement: %w", err)
	}
	data, err := protojson.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("provenance statement: %w", err)
	}
	var out bytes.Buffer
	if err := json.Compact(&out, data); err != nil {
		return nil, fmt.Errorf("provenance statement: %w", err)
	}
	return out.Bytes(), nil
}

// Opened is a provenance file read back.
type Opened struct {
	Summary
	// Signatures is how many signatures the envelope carries.
	Signatures int
	// Verified is true when keys were given and one of them verified a
	// signature; KeyIDs are the accepted keys' ids.
	Verified bool
	KeyIDs   []string
}

// Open reads one envelope (the file's only non-empty line), checks its
// payload type, and with keys verifies its signature: a signature by any of
// the keys must verify ([ErrUnsigned], [ErrBadSignature]). Without keys the
// signature is not checked. The statement must be an in-toto Statement v1
// with a SLSA Provenance v1 predicate of releasetrain's build type.
func Open(ctx context.Context, data []byte, keys []*Verifier) (Opened, error) {
	var out Opened
	if len(data) > MaxFileSize {
		return out, fmt.Errorf("provenance: larger than %d bytes", MaxFileSize)
	}
	env, err := oneEnvelope(data)
	if err != nil {
		return out, err
	}
	if env.PayloadType != PayloadType {
		return out, fmt.Errorf("provenance: payload type %q, want %q", env.PayloadType, PayloadType)
	}
	out.Signatures = len(env.Signatures)
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return out, fmt.Errorf("provenance payload: %w", err)
	}
	if len(keys) > 0 {
		if len(env.Signatures) == 0 {
			return out, ErrUnsigned
		}
		vs := make([]dsse.Verifier, len(keys))
		for i, k := range keys {
			vs[i] = k.v
		}
		ev, err := dsse.NewEnvelopeVerifier(vs...)
		if err != nil {
			return out, fmt.Errorf("provenance: %w", err)
		}
		accepted, body, err := ev.VerifyAndDecode(ctx, env)
		if err != nil || len(accepted) == 0 {
			return out, fmt.Errorf("%w with the %d key(s) given", ErrBadSignature, len(keys))
		}
		payload = body
		out.Verified = true
		for _, a := range accepted {
			out.KeyIDs = append(out.KeyIDs, a.KeyID)
		}
	}
	st := &intoto.Statement{}
	if err := protojson.Unmarshal(payload, st); err != nil {
		return out, fmt.Errorf("provenance statement: %w", err)
	}
	if out.Summary, err = Summarize(st); err != nil {
		return out, err
	}
	return out, nil
}

// OpenFile is [Open] for a file, read with a size bound.
func OpenFile(ctx context.Context, path string, keys []*Verifier) (Opened, error) {
	f, err := os.Open(path)
	if err != nil {
		return Opened{}, fmt.Errorf("provenance: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return Opened{}, fmt.Errorf("provenance %s: %w", path, err)
	}
	o, err := Open(ctx, data, keys)
	if err != nil {
		return o, fmt.Errorf("%s: %w", path, err)
	}
	return o, nil
}

// oneEnvelope decodes the only non-empty line of data as a DSSE envelope.
func oneEnvelope(data []byte) (*dsse.Envelope, error) {
	var lines [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		if len(bytes.TrimSpace(l)) > 0 {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 {
		return nil, fmt.Errorf("provenance: %d envelopes, want exactly one", len(lines))
	}
	dec := json.NewDecoder(bytes.NewReader(lines[0]))
	dec.DisallowUnknownFields()
	env := &dsse.Envelope{}
	if err := dec.Decode(env); err != nil {
		return nil, fmt.Errorf("provenance envelope: %w", err)
	}
	return env, nil
}
