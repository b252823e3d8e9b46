package bundle

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// SourceDateEpochEnv is the reproducible-builds variable that overrides the
// bundle's timestamp (https://reproducible-builds.org/specs/source-date-epoch/).
const SourceDateEpochEnv = "SOURCE_DATE_EPOCH"

// SourceDateEpoch returns the time in SOURCE_DATE_EPOCH (decimal seconds
// since 1970 UTC) when it is set, else fallback (the release time), both
// truncated to seconds in UTC.
func SourceDateEpoch(fallback time.Time) (time.Time, error) {
	v, ok := os.LookupEnv(SourceDateEpochEnv)
	if !ok || v == "" {
		return fallback.UTC().Truncate(time.Second), nil
	}
	secs, err := strconv.ParseInt(v, 10, 64)
	if err != nil || secs < 0 {
		return time.Time{}, fmt.Errorf("%s=%q: want non-negative decimal seconds since 1970", SourceDateEpochEnv, v)
	}
	return time.Unix(secs, 0).UTC(), nil
}
