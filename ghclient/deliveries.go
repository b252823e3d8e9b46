package ghclient

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/go-github/v62/github"
)

// Call kinds of the webhook delivery log.
const (
	kindListDeliveries = "list_hook_deliveries"
	kindRedeliver      = "redeliver_hook_delivery"
	kindGetRepo        = "get_repo"
	kindListHooks      = "list_hooks"
)

// ErrNoAppHook means the client has no App credentials, so it cannot read
// the App's webhook delivery log (a token can read repository hooks only).
var ErrNoAppHook = errors.New("the App webhook's delivery log needs GitHub App credentials")

// Hook names a webhook whose delivery log is read: the zero Hook is the
// GitHub App's webhook (App JWT), else a repository's hook.
type Hook struct {
	Owner, Repo string
	ID          int64
}

// IsApp reports whether h is the App's webhook.
func (h Hook) IsApp() bool { return h.ID == 0 }

func (h Hook) String() string {
	if h.IsApp() {
		return "app hook"
	}
	return fmt.Sprintf("hook %d of %s/%s", h.ID, h.Owner, h.Repo)
}

// HookDelivery is one attempt in a webhook's delivery log (no payload).
type HookDelivery struct {
	ID           int64     `json:"id"`
	GUID         string    `json:"guid"`
	DeliveredAt  time.Time `json:"delivered_at"`
	Redelivery   bool      `json:"redelivery,omitempty"`
	Status       string    `json:"status"`
	StatusCode   int       `json:"status_code"`
	Event        string    `json:"event"`
	Action       string    `json:"action,omitempty"`
	RepositoryID int64     `json:"repository_id,omitempty"`
}

// OK reports whether the receiver answered 2xx.
func (d HookDelivery) OK() bool { return d.StatusCode >= 200 && d.StatusCode <= 299 }

// HasApp reports whether the client holds GitHub App credentials.
func (c *Client) HasApp() bool { return c.app != nil }

// ListHookDeliveries reads one page of a hook's delivery log, newest first:
// GET /app/hook/deliveries (App JWT) or
// GET /repos/{owner}/{repo}/hooks/{hook_id}/deliveries. cursor "" is the
// first page; next is "" after the last one. Each page spends one request.
// https://docs.github.com/rest/apps/webhooks#list-deliveries-for-an-app-webhook
func (c *Client) ListHookDeliveries(ctx context.Context, hook Hook, cursor string, perPage int) (page []HookDelivery, next string, err error) {
	opts := &github.ListCursorOptions{PerPage: perPage, Cursor: cursor}
	ctx = withKind(ctx, kindListDeliveries)
	var (
		list []*github.HookDelivery
		resp *github.Response
	)
	if hook.IsApp() {
		if c.app == nil {
			return nil, "", ErrNoAppHook
		}
		list, resp, err = c.app.Apps.ListHookDeliveries(ctx, opts)
	} else {
		list, resp, err = c.gh.Repositories.ListHookDeliveries(ctx, hook.Owner, hook.Repo, hook.ID, opts)
	}
	if err != nil {
		return nil, "", c.classify("list deliveries of the "+hook.String(), hookRepo(hook), err)
	}
	page = make([]HookDelivery, 0, len(list))
	for _, d := range list {
		page = append(page, HookDelivery{
			ID: d.GetID(), GUID: d.GetGUID(), DeliveredAt: d.GetDeliveredAt().Time, Redelivery: d.GetRedelivery(),
			Status: d.GetStatus(), StatusCode: d.GetStatusCode(), Event: d.GetEvent(), Action: d.GetAction(),
			RepositoryID: d.GetRepositoryID(),
		})
	}
	return page, resp.Cursor, nil
}

// RedeliverHookDelivery asks GitHub to send a delivery again (202: a new
// attempt with the same GUID). GitHub refuses deliveries older than 3 days
// with 422, a permanent error.
// https://docs.github.com/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook
func (c *Client) RedeliverHookDelivery(ctx context.Context, hook Hook, id int64) error {
	ctx = withKind(ctx, kindRedeliver)
	var err error
	if hook.IsApp() {
		if c.app == nil {
			return ErrNoAppHook
		}
		_, _, err = c.app.Apps.RedeliverHookDelivery(ctx, id)
	} else {
		_, _, err = c.gh.Repositories.RedeliverHookDelivery(ctx, hook.Owner, hook.Repo, hook.ID, id)
	}
	if err == nil || isAccepted(err) {
		return nil
	}
	return c.classify(fmt.Sprintf("redeliver delivery %d of the %s", id, hook), hookRepo(hook), err)
}

// RepositoryID is a repository's numeric id (stable across renames), the
// delivery log's repository_id.
func (c *Client) RepositoryID(ctx context.Context, owner, repo string) (int64, error) {
	r, _, err := c.gh.Repositories.Get(withKind(ctx, kindGetRepo), owner, repo)
	if err != nil {
		return 0, c.classify("get repository", fullName(owner, repo), err)
	}
	return r.GetID(), nil
}

// IsTooOld reports whether err is GitHub's refusal to redeliver (422).
func IsTooOld(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusUnprocessableEntity
}

func hookRepo(h Hook) string {
	if h.IsApp() {
		return ""
	}
	return fullName(h.Owner, h.Repo)
}

// FindRepoHook finds the repository webhook that delivers to url (compared
// without a trailing slash); found is false when the repository has none.
// One request per page of hooks.
// https://docs.github.com/rest/repos/webhooks#list-repository-webhooks
func (c *Client) FindRepoHook(ctx context.Context, owner, repo, url string) (hook Hook, found bool, err error) {
	opts := &github.ListOptions{PerPage: 100}
	for {
		hooks, resp, err := c.gh.Repositories.ListHooks(withKind(ctx, kindListHooks), owner, repo, opts)
		if err != nil {
			return Hook{}, false, c.classify("list webhooks", fullName(owner, repo), err)
		}
		for _, h := range hooks {
			if strings.TrimSuffix(h.GetConfig().GetURL(), "/") == strings.TrimSuffix(url, "/") {
				return Hook{Owner: owner, Repo: repo, ID: h.GetID()}, true, nil
			}
		}
		if resp.NextPage == 0 {
			return Hook{}, false, nil
		}
		opts.Page = resp.NextPage
	}
}
