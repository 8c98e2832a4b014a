package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wavenet-go/wavenet-go/audio"
)

// cmpRate is the sample rate of compare's test signals, Hz.
const cmpRate = 16000

// cmpTone is seconds of a sine of amplitude amp at hz, sampled at cmpRate.
func cmpTone(seconds, amp, hz float64) []float32 {
	x := make([]float32, int(seconds*cmpRate))
	for i := range x {
		x[i] = float32(amp * math.Sin(2*math.Pi*hz*float64(i)/cmpRate))
	}
	return x
}

// cmpClicks returns a copy of the tone x (at hz) with a one-sample click of
// height h added perSecond times a second, each at the sample nearest a
// zero crossing of the tone, where the tone's own second difference is
// nearly 0.
func cmpClicks(x []float32, hz, perSecond, h float64) (y []float32, clicks int) {
	y = slices.Clone(x)
	halfPeriod := cmpRate / (2 * hz) // samples between zero crossings
	for c := 0.5; c < float64(len(x))*perSecond/cmpRate; c++ {
		at := c * cmpRate / perSecond
		i := int(math.Round(math.Round(at/halfPeriod) * halfPeriod))
		y[i] += float32(h)
		clicks++
	}
	return y, clicks
}

var (
	cmpSpec  = compareBand{50, 8000}
	cmpPitch = compareBand{50, 2000}
)

func TestCompareClipsPitch(t *testing.T) {
	ref := cmpTone(1, 0.5, 220)
	for _, tc := range []struct {
		name  string
		gen   []float32
		ratio float64
		rel   audio.PitchRelation
		n     int
	}{
		{"the same tone", ref, 1, audio.SameNote, 1},
		{"2 % sharp", cmpTone(1, 0.5, 224.4), 1.02, audio.SameNote, 1},
		{"the octave", cmpTone(1, 0.5, 440), 2, audio.Harmonic, 2},
		{"the twelfth", cmpTone(1, 0.5, 660), 3, audio.Harmonic, 3},
		{"an octave below", cmpTone(1, 0.5, 110), 0.5, audio.Subharmonic, 2},
		{"a fifth above", cmpTone(1, 0.5, 330), 1.5, audio.Unrelated, 0},
	} {
		r := mustCompare(t, ref, tc.gen, cmpRate, cmpSpec, cmpPitch, 256)
		if math.Abs(r.PitchRatio-tc.ratio) > 0.005*tc.ratio || r.PitchRelation != tc.rel.String() || r.PitchHarmonic != tc.n {
			t.Errorf("%s: pitch ratio %.4f, %s %d; want %.4f, %v %d", tc.name, r.PitchRatio, r.PitchRelation, r.PitchHarmonic, tc.ratio, tc.rel, tc.n)
		}
		if want := 1200 * math.Log2(tc.ratio); math.Abs(r.PitchDifferenceCents-want) > 9 {
			t.Errorf("%s: %.1f cents, want %.1f", tc.name, r.PitchDifferenceCents, want)
		}
		if math.Abs(r.PeriodicityRatio-1) > 0.02 {
			t.Errorf("%s: periodicity ratio %.3f, want 1 (two steady tones)", tc.name, r.PeriodicityRatio)
		}
	}
	same := mustCompare(t, ref, ref, cmpRate, cmpSpec, cmpPitch, 256)
	if same.SpectralCorrelation < 0.9999 || same.Impulses != 0 || same.ImpulsesPerSecond != 0 || same.PeriodicityRatio != 1 {
		t.Errorf("a tone against itself: %+v", same)
	}
}

func TestCompareClipsImpulses(t *testing.T) {
	// The reference's sharpest second difference is 4·sin²(ω/2)·0.5 for a
	// sine of amplitude 0.5; a click of 0.7 times that has a second
	// difference of 1.4 times it at its own sample and 0.7 times at its
	// neighbours: one sample each. Ten times as high, all three count.
	const hz = 220
	ref := cmpTone(2, 0.5, hz)
	threshold := 2 * math.Pow(math.Sin(math.Pi*hz/cmpRate), 2)
	for _, tc := range []struct {
		height    float64 // of a click, in thresholds
		perClick  int
		perSecond float64
	}{
		{0.7, 1, 5},
		{10, 3, 15},
	} {
		gen, clicks := cmpClicks(ref, hz, 5, tc.height*threshold)
		if clicks != 10 {
			t.Fatalf("%d clicks in 2 s, want 10", clicks)
		}
		r := mustCompare(t, ref, gen, cmpRate, cmpSpec, cmpPitch, 256)
		if math.Abs(r.ImpulseThreshold-threshold) > 1e-3*threshold {
			t.Errorf("threshold %g, want %g (the sine's sharpest)", r.ImpulseThreshold, threshold)
		}
		if r.Impulses != tc.perClick*clicks || r.ImpulsesPerSecond != tc.perSecond {
			t.Errorf("clicks of %g thresholds: %d impulses, %g per second; want %d, %g", tc.height, r.Impulses, r.ImpulsesPerSecond, tc.perClick*clicks, tc.perSecond)
		}
		if r.PitchRelation != "note" {
			t.Errorf("clicks of %g thresholds: pitch %s, want the note", tc.height, r.PitchRelation)
		}
	}
}

func TestCompareClipsMuLawFloor(t *testing.T) {
	// Near ±0.5 a step of 256 μ-law codes is about 0.02, five times the
	// sharpest second difference of a 220 Hz sine of amplitude 0.5: the
	// round trip alone is sharper at many samples but those near the zero
	// crossings, where μ-law is fine. 65536 codes step 256 times finer: only
	// samples near the peaks, whose own second difference is within 10 % of
	// the threshold, can be pushed over it.
	ref := cmpTone(1, 0.5, 220)
	q := audio.MuLawDecode(nil, audio.MuLawEncode(nil, ref, 256), 256)
	r := mustCompare(t, ref, q, cmpRate, cmpSpec, cmpPitch, 256)
	if r.MuLawCodes != 256 || r.MuLawFloorImpulsesPerSecond < cmpRate/4 || r.ImpulsesPerSecond != r.MuLawFloorImpulsesPerSecond {
		t.Errorf("a tone against its 256-code round trip: floor %g /s, impulses %g /s; want the same, over %d", r.MuLawFloorImpulsesPerSecond, r.ImpulsesPerSecond, cmpRate/4)
	}
	fine := mustCompare(t, ref, ref, cmpRate, cmpSpec, cmpPitch, 65536)
	if fine.MuLawCodes != 65536 || fine.MuLawFloorImpulsesPerSecond > r.MuLawFloorImpulsesPerSecond/4 || fine.Impulses != 0 {
		t.Errorf("65536 codes: floor %g /s, want under a quarter of 256 codes' %g", fine.MuLawFloorImpulsesPerSecond, r.MuLawFloorImpulsesPerSecond)
	}
	if r := mustCompare(t, ref, q, cmpRate, cmpSpec, cmpPitch, 0); r.MuLawCodes != 0 || r.MuLawFloorImpulsesPerSecond != 0 || r.Impulses == 0 {
		t.Errorf("no floor asked: %+v", r)
	}
}

func TestCompareClipsSilence(t *testing.T) {
	tone, silence := cmpTone(1, 0.5, 220), make([]float32, cmpRate)
	for _, tc := range []struct {
		name     string
		ref, gen []float32
	}{
		{"silent generated", tone, silence},
		{"silent reference", silence, tone},
		{"both silent", silence, silence},
		{"3 samples", tone[:3], tone[:3]},
	} {
		r := mustCompare(t, tc.ref, tc.gen, cmpRate, cmpSpec, cmpPitch, 256)
		if r.PitchRelation != "none" || r.PitchRatio != 0 || r.PitchDifferenceCents != 0 || r.PitchHarmonic != 0 {
			t.Errorf("%s: pitch %+v", tc.name, r)
		}
		if _, err := json.Marshal(r); err != nil {
			t.Errorf("%s: %v (a number is not finite)", tc.name, err)
		}
	}
	r := mustCompare(t, silence, tone, cmpRate, cmpSpec, cmpPitch, 256)
	// Against silence every sample of a sine but its exact inflections is
	// sharper: the threshold is 0.
	if r.ImpulseThreshold != 0 || r.Impulses < cmpRate-10 || r.PeriodicityRatio != 0 || r.SpectralCorrelation != 0 {
		t.Errorf("tone against silence: %+v", r)
	}
	r = mustCompare(t, tone, silence, cmpRate, cmpSpec, cmpPitch, 256)
	if r.Impulses != 0 || r.B.Periodicity != 0 || r.PeriodicityRatio != 0 || r.SpectralCorrelation != 0 {
		t.Errorf("silence against a tone: %+v", r)
	}
}

// compareKeys are compare --json's keys, documented in its help.
var (
	compareKeys = []string{"sample_rate", "reference", "generated",
		"pitch_ratio", "pitch_difference_cents", "pitch_relation", "pitch_harmonic",
		"periodicity_ratio", "spectral_correlation", "spectral_lo_hz", "spectral_hi_hz", "version",
		"impulse_threshold", "impulses", "impulses_per_second", "mulaw_codes", "mulaw_floor_impulses_per_second",
		"nearest_note_hz", "nearest_note_start_s", "nearest_note_end_s", "nearest_note_ratio", "nearest_note_relation", "nearest_note_harmonic"}
	compareSideKeys = []string{"file", "seconds", "sample_rate", "pitch_hz", "periodicity", "notes"}
)

// compareJSON runs compare --json on ref and gen and returns the object,
// after checking that it has exactly the documented keys and that each of
// its numbers is finite.
func compareJSON(t *testing.T, ref, gen string) (map[string]any, string) {
	t.Helper()
	code, stdout, stderr := runCmd(t, "compare", ref, gen, "--json")
	if code != exitOK {
		t.Fatalf("compare --json: exit %d, %q", code, stderr)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(stdout), &m); err != nil {
		t.Fatalf("%v: %q", err, stdout)
	}
	checkKeys := func(where string, m map[string]any, want []string) {
		got := make([]string, 0, len(m))
		for k, v := range m {
			got = append(got, k)
			if f, ok := v.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
				t.Errorf("%s%s = %v", where, k, f)
			}
		}
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
		if !slices.Equal(got, want) {
			t.Errorf("%skeys %q, want %q", where, got, want)
		}
	}
	checkKeys("", m, compareKeys)
	for _, side := range []string{"reference", "generated"} {
		s, ok := m[side].(map[string]any)
		if !ok {
			t.Fatalf("%s: %v, want an object", side, m[side])
		}
		checkKeys(side+".", s, compareSideKeys)
	}
	return m, stderr
}

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	const hz = 220
	tone := cmpTone(2, 0.5, hz)
	threshold := 2 * math.Pow(math.Sin(math.Pi*hz/cmpRate), 2)
	clicked, _ := cmpClicks(tone, hz, 5, 0.7*threshold)
	ref := writeWAV(t, filepath.Join(dir, "ref.wav"), cmpRate, tone)
	octave := writeWAV(t, filepath.Join(dir, "octave.wav"), cmpRate, cmpTone(1, 0.5, 2*hz))
	clicks := writeWAV(t, filepath.Join(dir, "clicks.wav"), cmpRate, clicked)
	silent := writeWAV(t, filepath.Join(dir, "silent.wav"), cmpRate, make([]float32, cmpRate))

	m, _ := compareJSON(t, ref, octave)
	if m["pitch_relation"] != "harmonic" || m["pitch_harmonic"] != 2.0 || math.Abs(m["pitch_ratio"].(float64)-2) > 0.01 || m["sample_rate"] != 16000.0 {
		t.Errorf("the octave: %v", m)
	}
	if g := m["generated"].(map[string]any); g["file"] != octave || g["seconds"] != 1.0 || math.Abs(g["pitch_hz"].(float64)-2*hz) > 1 {
		t.Errorf("the octave's own figures: %v", g)
	}
	// 16-bit rounding moves second differences by up to 4/32768, about 3 %
	// of the threshold: the clicks still count once each.
	m, _ = compareJSON(t, ref, clicks)
	if th := m["impulse_threshold"].(float64); math.Abs(th-threshold) > 0.05*threshold || m["impulses_per_second"] != 5.0 || m["pitch_relation"] != "note" {
		t.Errorf("five clicks a second: %v (threshold want %g)", m, threshold)
	}
	m, _ = compareJSON(t, ref, silent)
	if m["pitch_relation"] != "none" || m["pitch_ratio"] != 0.0 || m["impulses"] != 0.0 {
		t.Errorf("silence: %v", m)
	}

	code, stdout, _ := runCmd(t, "compare", ref, octave)
	for _, want := range []string{
		"reference: " + ref + " (2.00 s at 16000 Hz): pitch 220.0 Hz, periodicity 1.000\n",
		"generated: " + octave + " (1.00 s at 16000 Hz): pitch 440.0 Hz, periodicity 1.000\n",
		"pitch ratio: 2.000 (+1200 cents, generated / reference): harmonic 2 (the note ×2), not the note\n",
		"periodicity ratio: 1.000 (generated / reference)\n",
		"spectral correlation (50 Hz to 8000 Hz): ",
		// A sine an octave up at the same amplitude has four times the
		// second difference: most of its samples are sharper.
		"impulses sharper than the reference: 13",
		" samples of 1.00 s with |second difference| above 0.0037", ", the reference's largest)\n",
	} {
		if code != exitOK || !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	_, stdout, _ = runCmd(t, "compare", ref, ref)
	if !strings.Contains(stdout, "impulses sharper than the reference: 0.0 per second (0 samples of 2.00 s") ||
		!strings.Contains(stdout, "\nμ-law floor of that rate: ") || !strings.Contains(stdout, " per second (the reference's own round trip through 256 μ-law codes)\n") {
		t.Errorf("a clip against itself, text output:\n%s", stdout)
	}
	_, stdout, _ = runCmd(t, "compare", ref, ref, "--mulaw", "0")
	if strings.Contains(stdout, "μ-law floor") {
		t.Errorf("--mulaw 0 still prints a floor:\n%s", stdout)
	}
	_, stdout, _ = runCmd(t, "compare", ref, clicks)
	if !strings.Contains(stdout, "pitch ratio: 1.000 (+0 cents, generated / reference): the note\n") ||
		!strings.Contains(stdout, "impulses sharper than the reference: 5.0 per second (10 samples of 2.00 s") {
		t.Errorf("clicks, text output:\n%s", stdout)
	}
	_, stdout, _ = runCmd(t, "compare", ref, silent)
	if !strings.Contains(stdout, "pitch none, periodicity 0.000") || !strings.Contains(stdout, "pitch ratio: none (no pitch in the generated clip)\n") {
		t.Errorf("silence, text output:\n%s", stdout)
	}
	_, stdout, _ = runCmd(t, "compare", silent, ref)
	if !strings.Contains(stdout, "pitch ratio: none (no pitch in the reference)\n") || !strings.Contains(stdout, "periodicity ratio: none (the reference's periodicity is 0)\n") {
		t.Errorf("silent reference, text output:\n%s", stdout)
	}
}

func TestCompareRatesAndLengths(t *testing.T) {
	dir := t.TempDir()
	ref := writeWAV(t, filepath.Join(dir, "ref.wav"), cmpRate, cmpTone(1, 0.5, 220))
	// The same tone stored at 22050 Hz is resampled to the reference's rate
	// and is still the note.
	x := make([]float32, 22050)
	for i := range x {
		x[i] = float32(0.5 * math.Sin(2*math.Pi*220*float64(i)/22050))
	}
	other := writeWAV(t, filepath.Join(dir, "22k.wav"), 22050, x)
	m, stderr := compareJSON(t, ref, other)
	if g := m["generated"].(map[string]any); g["sample_rate"] != 22050.0 || m["sample_rate"] != 16000.0 || m["pitch_relation"] != "note" {
		t.Errorf("22050 Hz against 16000 Hz: %v", m)
	}
	if !strings.Contains(stderr, other+": resampled from 22050 Hz to 16000 Hz") {
		t.Errorf("no note of the resampling: %q", stderr)
	}
	_, stdout, _ := runCmd(t, "compare", ref, other)
	if !strings.Contains(stdout, "(1.00 s at 16000 Hz, resampled from 22050 Hz)") {
		t.Errorf("text output does not say the generated clip was resampled:\n%s", stdout)
	}

	// 200 samples (12.5 ms) of 400 Hz: shorter than a pitch frame, searched
	// from 160 Hz up; 4 samples: no pitch at all. Both with a note, and
	// finite JSON.
	short := writeWAV(t, filepath.Join(dir, "short.wav"), cmpRate, cmpTone(1, 0.5, 400)[:200])
	m, stderr = compareJSON(t, ref, short)
	if g := m["generated"].(map[string]any); math.Abs(g["pitch_hz"].(float64)-400) > 2 || m["pitch_relation"] != "unrelated" {
		t.Errorf("200 samples of 400 Hz: %v", m)
	}
	if !strings.Contains(stderr, short+": 200 samples: pitch searched from 160.0 Hz up only") {
		t.Errorf("no note of the shortened search: %q", stderr)
	}
	tiny := writeWAV(t, filepath.Join(dir, "tiny.wav"), cmpRate, []float32{0.1, -0.2, 0.3, 0})
	m, stderr = compareJSON(t, tiny, ref)
	if m["pitch_relation"] != "none" || !strings.Contains(stderr, tiny+": 4 samples are too few to search a pitch") {
		t.Errorf("4-sample reference: %v, %q", m, stderr)
	}
}

func TestCompareUsage(t *testing.T) {
	dir := t.TempDir()
	ref := writeWAV(t, filepath.Join(dir, "ref.wav"), cmpRate, cmpTone(0.1, 0.5, 220))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"compare", ref}, exitUsage, "want two WAV files (REFERENCE.wav GENERATED.wav), got 1"},
		{[]string{"compare", ref, ref, ref}, exitUsage, "got 3"},
		{[]string{"compare", "--lo", "100", "--hi", "50", ref, ref}, exitUsage, "--lo < --hi"},
		{[]string{"compare", "--min-pitch", "0", ref, ref}, exitUsage, "--min-pitch"},
		{[]string{"compare", "--mulaw", "1", ref, ref}, exitUsage, "--mulaw 1: want 0 (none) or 2 to 65536 codes"},
		{[]string{"compare", ref, filepath.Join(dir, "nope.wav")}, exitError, "nope.wav"},
	} {
		code, _, stderr := runCmd(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
	code, stdout, _ := runCmd(t, "compare", "-h")
	for _, key := range append(slices.Clone(compareKeys), compareSideKeys...) {
		if code != exitOK || !strings.Contains(stdout, key) {
			t.Errorf("compare -h does not document %q", key)
		}
	}
}

// mustCompare is compareClips with a context that is never done.
func mustCompare(t *testing.T, ref, gen []float32, rate int, spec, pitch compareBand, mulaw int) compareResult {
	t.Helper()
	r, err := compareClips(context.Background(), ref, gen, rate, spec, pitch, mulaw)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestCompareNearestNote: against a reference that plays one note and then
// another for longer, a take of the first note is not the median's note
// but the reference's first: compare lists both notes and says so.
func TestCompareNearestNote(t *testing.T) {
	dir := t.TempDir()
	twoNotes := append(cmpTone(0.5, 0.5, 420), cmpTone(1.5, 0.5, 330)...)
	ref := writeWAV(t, filepath.Join(dir, "two-notes.wav"), cmpRate, twoNotes)
	first := writeWAV(t, filepath.Join(dir, "first.wav"), cmpRate, cmpTone(1, 0.5, 420))
	m, _ := compareJSON(t, ref, first)
	notes := m["reference"].(map[string]any)["notes"].([]any)
	if len(notes) != 2 || math.Abs(notes[0].(map[string]any)["pitch_hz"].(float64)-420) > 1 || math.Abs(notes[1].(map[string]any)["pitch_hz"].(float64)-330) > 1 {
		t.Fatalf("reference notes %v, want 420 Hz then 330 Hz", notes)
	}
	if m["pitch_relation"] != "unrelated" || m["nearest_note_relation"] != "note" || math.Abs(m["nearest_note_hz"].(float64)-420) > 1 ||
		math.Abs(m["nearest_note_ratio"].(float64)-1) > 0.01 || m["nearest_note_harmonic"] != 1.0 || m["nearest_note_start_s"].(float64) > 0.1 {
		t.Errorf("a take of the first note: %v", m)
	}
	_, stdout, _ := runCmd(t, "compare", ref, first)
	for _, want := range []string{
		"\nreference notes: 420.0 Hz (0.05–0.4", "), 330.0 Hz (0.",
		"\npitch ratio: 1.27", "not the note, nor a harmonic",
		"\nnearest note of the reference: 420.0 Hz (0.05–0.4", "1.000 (+0 cents, generated / reference): the note\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, stdout)
		}
	}
	// Silence has no notes, and nothing is nearest.
	silent := writeWAV(t, filepath.Join(dir, "silent.wav"), cmpRate, make([]float32, cmpRate))
	m, _ = compareJSON(t, ref, silent)
	if g := m["generated"].(map[string]any)["notes"].([]any); len(g) != 0 || m["nearest_note_relation"] != "none" || m["nearest_note_hz"] != 0.0 {
		t.Errorf("silence: notes %v, nearest %v", g, m)
	}
}

// TestComparePNG: --png draws the figure of the two clips as a PNG and
// changes nothing else compare prints; it refuses to write over either
// input, and leaves no file where it could not draw.
func TestComparePNG(t *testing.T) {
	dir := t.TempDir()
	ref := writeWAV(t, filepath.Join(dir, "two-notes.wav"), cmpRate, append(cmpTone(0.5, 0.5, 420), cmpTone(1.5, 0.5, 330)...))
	gen := writeWAV(t, filepath.Join(dir, "take.wav"), cmpRate, cmpTone(1, 0.5, 420))
	pic := filepath.Join(dir, "compare.png")
	code, withPNG, stderr := runCmd(t, "compare", ref, gen, "--png", pic)
	_, plain, _ := runCmd(t, "compare", ref, gen)
	if code != exitOK || withPNG != plain {
		t.Fatalf("compare --png: exit %d, stderr %q; its text differs from compare's:\n%s\n%s", code, stderr, withPNG, plain)
	}
	img, err := decodePNGFile(pic)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() < 900 || b.Dy() < 700 {
		t.Errorf("picture %v too small", b)
	}
	// A silent take has no pitch to draw: the figure is drawn all the same.
	silent := writeWAV(t, filepath.Join(dir, "silent.wav"), cmpRate, make([]float32, cmpRate))
	if code, _, stderr := runCmd(t, "compare", silent, silent, "--png", pic); code != exitOK {
		t.Errorf("two silent clips: exit %d, %q", code, stderr)
	}
	before, _ := os.ReadFile(gen)
	if code, _, stderr := runCmd(t, "compare", ref, gen, "--png", gen); code == exitOK || !strings.Contains(stderr, "take.wav") {
		t.Errorf("--png over the generated clip: exit %d, %q", code, stderr)
	}
	if after, _ := os.ReadFile(gen); !bytes.Equal(before, after) {
		t.Error("--png over the generated clip changed it")
	}
	if code, _, _ := runCmd(t, "compare", ref, filepath.Join(dir, "missing.wav"), "--png", filepath.Join(dir, "none.png")); code == exitOK {
		t.Error("a missing clip: exit 0")
	}
	if _, err := os.Stat(filepath.Join(dir, "none.png")); err == nil {
		t.Error("a missing clip left a picture")
	}
}
