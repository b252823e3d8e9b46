package webhook

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"
	"go.temporal.io/sdk/temporal"

	"github.com/BTCDecoded/releasetrain/contract"
)

// testSignature is an armored detached signature over data by a new key.
func testSignature(t *testing.T, data []byte) string {
	t.Helper()
	e, err := openpgp.NewEntity("Rebuilder", "", "r@example.org", &packet.Config{Algorithm: packet.PubKeyAlgoEdDSA})
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, openpgp.ArmoredDetachSign(&out, e, bytes.NewReader(data), nil))
	return out.String()
}

func TestAPIAttachSignature(t *testing.T) {
	sig := testSignature(t, []byte("sums"))
	path := "/api/releases/v1.2.3/signatures"

	t.Run("bad name", func(t *testing.T) {
		f := newFixture(t)
		rec := f.api(t, http.MethodPost, path, token, SignatureRequest{Name: "evil/../x.asc", Signature: sig})
		require.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Contains(t, decode[errorMessage](t, rec).Message, "SHA256SUMS.<signer>.asc")
	})
	t.Run("published", func(t *testing.T) {
		f := newFixture(t)
		f.tc.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, serviceerror.NewNotFound("workflow execution already completed"))
		f.tc.On("DescribeWorkflowExecution", mock.Anything, "release-v1.2.3", "").Return(describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED), nil)
		rec := f.api(t, http.MethodPost, path, token, SignatureRequest{Name: "SHA256SUMS.bob.asc", Signature: sig})
		require.Equal(t, http.StatusConflict, rec.Code)
		msg := decode[errorMessage](t, rec).Message
		assert.Contains(t, msg, "GitHub refuses new assets on an immutable release")
		assert.Contains(t, msg, "signature_window")
	})
	t.Run("window open", func(t *testing.T) {
		f := newFixture(t)
		h := mocks.NewWorkflowUpdateHandle(t)
		h.On("Get", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
			st := args.Get(1).(*contract.Status)
			st.Tag = "v1.2.3"
			st.SignatureWindow = &contract.SignatureWindow{Open: true, Signatures: []string{"SHA256SUMS.bob.asc"}}
		}).Return(nil)
		var got client.UpdateWorkflowOptions
		f.tc.On("UpdateWorkflow", mock.Anything, mock.Anything).Run(func(args mock.Arguments) {
			got = args.Get(1).(client.UpdateWorkflowOptions)
		}).Return(h, nil)
		rec := f.api(t, http.MethodPost, path, token, SignatureRequest{Name: "SHA256SUMS.bob.asc", Signature: sig})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		assert.Equal(t, []string{"SHA256SUMS.bob.asc"}, decode[contract.Status](t, rec).SignatureWindow.Signatures)
		assert.Equal(t, contract.UpdateAttachSignature, got.UpdateName)
		assert.Equal(t, "release-v1.2.3", got.WorkflowID)
		require.Len(t, got.Args, 1)
		assert.Equal(t, contract.AttachSignature{Name: "SHA256SUMS.bob.asc", Signature: []byte(sig)}, got.Args[0])
	})
	t.Run("window not open", func(t *testing.T) {
		f := newFixture(t)
		h := mocks.NewWorkflowUpdateHandle(t)
		h.On("Get", mock.Anything, mock.Anything).Return(temporal.NewApplicationError("release v1.2.3 has no open signature window (state running)", contract.ConflictErrorType))
		f.tc.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(h, nil)
		rec := f.api(t, http.MethodPost, path, token, SignatureRequest{Name: "SHA256SUMS.bob.asc", Signature: sig})
		require.Equal(t, http.StatusConflict, rec.Code)
		assert.Contains(t, decode[errorMessage](t, rec).Message, "no open signature window")
	})
}
