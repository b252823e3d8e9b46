package dag

// Ready returns the nodes not in done whose dependencies are all in done,
// sorted. Names in done that are not nodes are ignored.
func (g *Graph) Ready(done map[string]bool) []string {
	var out []string
	for _, name := range g.names {
		if done[name] {
			continue
		}
		ready := true
		for _, d := range g.deps[name] {
			if !done[d] {
				ready = false
				break
			}
		}
		if ready {
			out = append(out, name)
		}
	}
	return out
}
