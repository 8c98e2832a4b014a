package wavenet

import "github.com/wavenet-go/wavenet-go/causal"

// What the model's run state takes, so that a caller can refuse a run
// before allocating more memory than the machine has. The counts follow
// the allocations in forward.go, backward.go, fast.go and generate.go (and
// the ring and past-tap buffers of package causal); memory_test.go holds
// them to within 10 % of what is really allocated.

// WorkspaceBytes is about what NewWorkspace allocates for a model of cfg
// over n sequences of t codes, with the buffers of its first Backward:
// n·t·(L·(R+2G) + 2G + R·K + 2S + 2E + Q + R) float32s and the codes.
func WorkspaceBytes(cfg Config, n, t int) int64 {
	R, G, S, E, Q, K := int64(cfg.ResidualChannels), int64(cfg.GateChannels), int64(cfg.SkipChannels),
		int64(cfg.EndChannels), int64(cfg.QuantizationChannels), int64(cfg.FilterWidth)
	L := int64(len(cfg.Dilations))
	col := R * K
	if K == 1 {
		col = 0
	}
	perRow := L*(R+2*G) + G + col + S + E + Q + // forward
		R + 3*G + S + E // backward
	return int64(n) * int64(t) * (4*perRow + 4)
}

// GeneratorBytes is about what a Generator of a model of cfg holds for
// streams streams after SetThreads(threads): the packed weights, about the
// model's size (half of it with WeightsF16, for which this is an upper
// bound), and per stream every layer's ring of its last d·(K−1)
// inputs, its past-tap block and bias rows, and the step's activations.
// SetThreads makes the new run state before the old one is collected, so
// building one can take up to the per-stream part once more, for a moment.
func GeneratorBytes(cfg Config, streams, threads int) int64 {
	R, G, S, E, Q, K := int64(cfg.ResidualChannels), int64(cfg.GateChannels), int64(cfg.SkipChannels),
		int64(cfg.EndChannels), int64(cfg.QuantizationChannels), int64(cfg.FilterWidth)
	var perStream int64 // float32s, but for the past-tap blocks
	for _, d := range cfg.Dilations {
		perStream += int64(d)*(K-1)*R + 2*G
	}
	perStream += R + S + 2*G + G + 1 + S + E + Q + int64(cfg.InputWidth-1)
	N := int64(streams)
	parts := int64(max(1, min(threads, streams)))
	var pre int64 // float32s: every part's past-tap blocks (B, n, 2G) per layer
	for i := range parts {
		n := int((N*(i+1))/parts - (N*i)/parts) // the part's streams, as SetThreads cuts them
		for _, d := range cfg.Dilations {
			pre += int64(causal.PastBlock(d, n)) * int64(n) * 2 * G
		}
	}
	blocks := int64(1)
	if parts > 1 {
		blocks = genBlock * genAhead
	}
	return 4*paramCount(cfg) + 4*N*perStream + 4*pre + N*(3*4+blocks*12) + parts*Q*4
}

// EvalBytes is about what BitsPerSample holds to score a clip of T codes:
// a forward-only workspace of at most a few receptive fields of positions,
// whatever T, of 2R + 3G + R·K + S + E + Q float32s per
// position and the codes.
func EvalBytes(cfg Config, T int) int64 {
	if T < 2 {
		return 0
	}
	_, _, rows := evalPlan(cfg, T)
	return int64(rows) * (4*(cfg.evalWidth()+int64(cfg.GateChannels)) + 4) // and the gated product z
}
