package webhook

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
)

// SignatureRequest is the body of POST /api/releases/:tag/signatures: a
// rebuilder's armored signature over SHA256SUMS.
type SignatureRequest struct {
	// Name is SHA256SUMS.<signer>.asc.
	Name string `json:"name"`
	// Signature is the armored signature text.
	Signature string `json:"signature"`
}

// maxSignatureBody bounds the request: the signature and its JSON framing.
const maxSignatureBody = 2*contract.MaxSignatureSize + 1024

// attachSignature is POST /api/releases/:tag/signatures: it adds the
// signature to the release's draft while its signature window is open
// (the attach-signature update), answering 200 with the status, 409 when
// the window is not open or the release is published.
func (s *Server) attachSignature(c echo.Context) error {
	tag := c.Param("tag")
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxSignatureBody)
	var req SignatureRequest
	if err := decodeStrict(c, &req); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, "body: want JSON {name, signature}: "+err.Error())
	}
	// The name and size are checked here; whether the bytes are OpenPGP
	// signatures is checked by the worker before it attaches them (the
	// receiver links no OpenPGP code).
	if err := contract.CheckSignatureName(req.Name, len(req.Signature)); err != nil {
		return echo.NewHTTPError(http.StatusBadRequest, err.Error())
	}
	st, err := s.ops.AttachSignature(c.Request().Context(), tag, contract.AttachSignature{Name: req.Name, Signature: []byte(req.Signature)})
	if err != nil {
		return apiError(err)
	}
	s.log.Info("signature attached", zap.String("release", tag), zap.String("name", req.Name))
	return c.JSON(http.StatusOK, st)
}
