package probes

// assemble turns what the probes hold into a Snapshot: each node judged
// up, slow or down from its answers' freshness, then every probe's part.
func (p *Poller) assemble() Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := &p.st
	now := st.now()
	snap := Snapshot{Mongoscope: p.cfg.Build, TakenAt: now, IntervalSeconds: Seconds(st.interval), NotAvailable: map[string]string{}}
	snap.Deployment = Deployment{Kind: st.dep.Kind, Name: st.dep.Name, Version: st.dep.Version, Changes: st.changes,
		Direct: st.dep.Direct, DirectNote: st.dep.DirectNote, Via: st.dep.Via, ShardsUnknown: st.dep.ShardsUnknown}
	st.changes = nil
	for _, dn := range st.dep.Nodes { // discovery order: routers, shards, config
		ns, ok := st.nodes[dn.Address]
		if !ok {
			continue
		}
		n := ns.node
		st.judge(ns, &n, p.clientLag)
		// The driver retries a refused node quietly inside server selection;
		// a connection attempt that failed after the node's last good
		// answer says now what the request will only say later.
		if why := p.dial.failingSince(n.Address, ns.lastOKMono); why != "" {
			n.State, n.Up, n.Slow, n.Error = StateDown, false, false, why
		}
		snap.Deployment.Nodes = append(snap.Deployment.Nodes, n)
	}
	for _, pr := range p.probes {
		pr.fill(&snap, st)
	}
	p.fillOverhead(&snap, now)
	if len(snap.NotAvailable) == 0 {
		snap.NotAvailable = nil
	}
	return snap
}

// nodeDown says whether the snapshot shows addr down.
func (st *state) nodeDown(snap *Snapshot, addr string) bool {
	for _, n := range snap.Deployment.Nodes {
		if n.Address == addr {
			return n.State == StateDown
		}
	}
	return true // not in the deployment any more
}
