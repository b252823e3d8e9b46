package webhook

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/BTCDecoded/releasetrain/operator"
)

// httpStatus is the one table from an operator error's kind to the HTTP
// API's status; an error of no kind is 500 (logged, its text not shown).
var httpStatus = map[operator.Kind]int{
	operator.ErrNotFound:    http.StatusNotFound,
	operator.ErrConflict:    http.StatusConflict,
	operator.ErrInvalid:     http.StatusUnprocessableEntity,
	operator.ErrUnavailable: http.StatusServiceUnavailable,
}

// apiError answers an operator client's error with its kind's status and
// message; any other error passes to Echo's handler (500).
func apiError(err error) error {
	var he *echo.HTTPError
	if errors.As(err, &he) {
		return he
	}
	if code, ok := httpStatus[operator.KindOf(err)]; ok {
		return echo.NewHTTPError(code, err.Error())
	}
	return err
}

// metricResult is an operator action's result label.
func metricResult(err error) string {
	switch operator.KindOf(err) {
	case operator.ErrNotFound:
		return "not_found"
	case operator.ErrConflict, operator.ErrInvalid:
		return "rejected"
	}
	return "error"
}
