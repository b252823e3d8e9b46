package webhook

import (
	"net/http"

	"github.com/google/go-github/v62/github"
)

// onPing answers the ping GitHub sends when a webhook is created: 200 pong
// with the delivery's zen line. It needs no train and touches no workflow.
func onPing(ev *github.PingEvent) reply {
	return reply{code: http.StatusOK, Outcome: outcomePong, Message: ev.GetZen()}
}
