package webhook

import (
	"context"
	"time"

	"go.temporal.io/sdk/client"
	"go.uber.org/zap"

	"github.com/BTCDecoded/releasetrain/contract"
)

// redeliveredLookup bounds the schedule lookup a train start makes.
const redeliveredLookup = 2 * time.Second

type deliveryIDKey struct{}

// withDeliveryID carries the X-GitHub-Delivery GUID to the start of a train.
func withDeliveryID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, deliveryIDKey{}, id)
}

// markRedelivered appends " (redelivered)" to a train's trigger when the
// delivery starting it is one the reconciler redelivered. GitHub's
// redelivery carries the same GUID, headers and payload as the original, so
// the receiver cannot tell from the delivery itself: it asks the
// releasetrain-reconcile schedule, whose workflow memo lists the GUIDs the
// reconciler redelivers (written before it asks GitHub). Any failure of
// that lookup leaves the trigger as it is.
func (s *Server) markRedelivered(ctx context.Context, trigger string) string {
	id, _ := ctx.Value(deliveryIDKey{}).(string)
	if id == "" || s.schedules == nil {
		return trigger
	}
	ctx, cancel := context.WithTimeout(ctx, redeliveredLookup)
	defer cancel()
	desc, err := s.schedules.GetHandle(ctx, contract.ReconcileScheduleID).Describe(ctx)
	if err != nil {
		s.log.Debug("reconcile schedule not readable; trigger not marked", zap.String("delivery", id), zap.Error(err))
		return trigger
	}
	st, err := contract.ReconcileStateFromSchedule(desc)
	if err != nil {
		s.log.Warn("reconcile schedule memo", zap.Error(err))
		return trigger
	}
	if st.WasRedelivered(id) {
		return trigger + " (redelivered)"
	}
	return trigger
}

// scheduleClient is what markRedelivered reads; client.ScheduleClient satisfies it.
type scheduleClient interface {
	GetHandle(ctx context.Context, scheduleID string) client.ScheduleHandle
}
