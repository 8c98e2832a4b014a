package audio

import (
	"context"
	"math"
	"slices"
	"strconv"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Measures of how alike two sounds are, for judging generated audio against
// the clip a model learnt: the correlation of their long-term log spectra
// (timbre), their pitch, and their periodicity (how strongly each repeats,
// from 1 for a steady tone down to 0 for noise).

// SpectrumFrame is the frame length, in samples, of LongTermSpectrum as
// SpectralCorrelation uses it: 2048 samples, 7.8 Hz per bin at 16 kHz.
const SpectrumFrame = 2048

// SpectrumRangeDB is the dynamic range LongTermSpectrum keeps: bins more
// than this far below the strongest are raised to that floor, so that the
// window's far sidelobes and rounding noise, which no one hears under the
// peaks, do not decide the shape of the spectrum.
const SpectrumRangeDB = 80

// LongTermSpectrum returns the long-term average power spectrum of x in dB:
// the mean over Hann-windowed frames of n samples (hop n/2; a signal shorter
// than n is one zero-padded frame) of |FFT|², for bins k = 0 … n/2 at
// k·rate/n Hz, as 10·log10(power), floored SpectrumRangeDB below the
// strongest bin. n must be even and ≥ 2.
func LongTermSpectrum(x []float32, n int) []float64 {
	if n < 2 || n%2 != 0 {
		panic("audio: LongTermSpectrum: frame length must be even and at least 2")
	}
	fft := fourier.NewFFT(n)
	win := make([]float64, n)
	for i := range win {
		win[i] = 0.5 - 0.5*math.Cos(2*math.Pi*float64(i)/float64(n))
	}
	power := make([]float64, n/2+1)
	frame := make([]float64, n)
	coef := make([]complex128, n/2+1)
	frames := 0
	for start := 0; start == 0 || start+n <= len(x); start += n / 2 {
		clear(frame)
		for i := 0; i < n && start+i < len(x); i++ {
			frame[i] = float64(x[start+i]) * win[i]
		}
		coef = fft.Coefficients(coef, frame)
		for k, c := range coef {
			power[k] += real(c)*real(c) + imag(c)*imag(c)
		}
		frames++
	}
	peak := 0.0
	for k := range power {
		peak = max(peak, power[k])
	}
	floor := max(peak*math.Pow(10, -SpectrumRangeDB/10), 1e-20)
	for k := range power {
		power[k] = 10 * math.Log10(max(power[k], floor)/float64(frames))
	}
	return power
}

// SpectralCorrelation returns the Pearson correlation, over the bins
// between loHz and hiHz, of the long-term log spectra (LongTermSpectrum,
// SpectrumFrame samples a frame) of a and b, both at rate Hz: 1 when the
// two have the same spectral shape whatever their loudness, about 0 when
// unrelated. It returns 0 when either spectrum is flat over the band.
func SpectralCorrelation(a, b []float32, rate int, loHz, hiHz float64) float64 {
	sa := LongTermSpectrum(a, SpectrumFrame)
	sb := LongTermSpectrum(b, SpectrumFrame)
	var xs, ys []float64
	for k := range sa {
		f := float64(k) * float64(rate) / SpectrumFrame
		if f >= loHz && f <= hiHz {
			xs = append(xs, sa[k])
			ys = append(ys, sb[k])
		}
	}
	return pearson(xs, ys)
}

// pearson is the correlation coefficient of x and y, 0 if either is constant.
func pearson(x, y []float64) float64 {
	n := float64(len(x))
	if n < 2 || constant(x) || constant(y) {
		return 0
	}
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// PitchFrame and PitchHop are the frame length and hop, in samples, of
// Periodicity: 128 ms and 32 ms at 16 kHz.
const (
	PitchFrame = 2048
	PitchHop   = 512
)

// Frame selection and peak picking of Periodicity.
const (
	pitchFloorDB = 40  // a frame counts if its energy is within this of the loudest frame's
	voicedPeak   = 0.5 // frames whose peak reaches this give the pitch
	octaveGuard  = 0.9 // the first lag whose peak is this close to the best wins
)

// pitchLags is the lag range, in samples, that Periodicity searches in a
// clip of n samples at rate Hz: from ⌊rate/maxHz⌋ (at least 1) to
// ⌈rate/minHz⌉, cut to half a frame (min(n, PitchFrame)/2) so that every
// lag compares at least half the frame with itself. ok is false when the
// range holds fewer than three lags, too few for a peak.
func pitchLags(n, rate int, minHz, maxHz float64) (lo, hi int, ok bool) {
	lo = max(1, int(math.Floor(float64(rate)/maxHz)))
	hi = min(int(math.Ceil(float64(rate)/minHz)), min(n, PitchFrame)/2)
	return lo, hi, lo+1 < hi
}

// PitchRange returns the range of pitches, in Hz, that Periodicity
// searches in a clip of n samples at rate Hz when asked for minHz to maxHz:
// rate/lag for the longest and the shortest lag searched. lo is above minHz
// only when the clip is shorter than two periods of minHz (or than two
// frames' worth at a high rate: lags stop at PitchFrame/2 samples); both
// are 0 when the clip is too short to search any pitch in the range.
func PitchRange(n, rate int, minHz, maxHz float64) (lo, hi float64) {
	lagLo, lagHi, ok := pitchLags(n, rate, minHz, maxHz)
	if !ok {
		return 0, 0
	}
	return float64(rate) / float64(lagHi), float64(rate) / float64(lagLo)
}

// Periodicity estimates the pitch and the periodicity of x (at rate Hz)
// from the normalized autocorrelation of frames of PitchFrame samples
// (hop PitchHop):
//
//	r(τ) = Σ_t x[t]·x[t+τ] / √(Σ_t x[t]² · Σ_t x[t+τ]²),  τ from rate/maxHz to rate/minHz samples
//
// (the sums over the frame, t + τ inside it; τ at most half the frame, see
// PitchRange). In each frame the peak is the first local maximum of r
// reaching 0.9 of the frame's largest (so a period is not mistaken for
// two), refined by a parabola. periodicity, from 0 to 1, is the mean peak
// over the frames with energy within 40 dB of the loudest; pitch, in Hz, is
// rate/τ, the median over those frames whose peak is at least 0.5, or 0
// when none is. A signal shorter than a frame is one frame. Silence, or a
// clip too short for PitchRange, gives 0, 0.
func Periodicity(x []float32, rate int, minHz, maxHz float64) (pitch, periodicity float64) {
	pitch, periodicity, _ = PeriodicityContext(context.Background(), x, rate, minHz, maxHz)
	return pitch, periodicity
}

// PeriodicityContext is [Periodicity] that gives up when ctx is done,
// returning ctx's error: it costs about PitchFrame·rate/minHz multiply-adds
// per PitchHop samples, seconds for a few minutes of audio.
func PeriodicityContext(ctx context.Context, x []float32, rate int, minHz, maxHz float64) (pitch, periodicity float64, err error) {
	frames, err := pitchFrames(ctx, x, rate, minHz, maxHz)
	if err != nil || frames == nil {
		return 0, 0, err
	}
	pitch, periodicity = pitchOf(frames)
	return pitch, periodicity, nil
}

// pitchOf is Periodicity's pitch and periodicity from its frames.
func pitchOf(frames []pitchFrame) (pitch, periodicity float64) {
	var sum float64
	var count int
	var pitches []float64
	for _, fr := range frames {
		if !fr.loud {
			continue
		}
		sum += fr.peak
		count++
		if fr.voiced() {
			pitches = append(pitches, fr.pitch)
		}
	}
	return median(pitches), sum / float64(count)
}

// pitchFrame is one frame of Periodicity's analysis.
type pitchFrame struct {
	start       int     // its first sample
	energy      float64 // Σ x² over it
	loud        bool    // its energy is within pitchFloorDB of the loudest frame's
	peak, pitch float64 // the autocorrelation peak and rate/τ at it (0, 0 without one)
}

// centre is the time of the middle of the frame, of n samples at rate Hz,
// in seconds.
func (f pitchFrame) centre(n, rate int) float64 { return float64(f.start+n/2) / float64(rate) }

// voiced reports whether the frame gives a pitch: loud, with a peak of at
// least voicedPeak.
func (f pitchFrame) voiced() bool { return f.loud && f.peak >= voicedPeak && f.pitch > 0 }

// pitchFrames is Periodicity's analysis, frame by frame; nil for silence
// or a clip too short for the pitch range.
func pitchFrames(ctx context.Context, x []float32, rate int, minHz, maxHz float64) ([]pitchFrame, error) {
	n := min(PitchFrame, len(x))
	lagLo, lagHi, ok := pitchLags(len(x), rate, minHz, maxHz)
	if !ok {
		return nil, nil
	}
	var frames []pitchFrame
	var maxE float64
	r := make([]float64, lagHi+2)
	for start := 0; start == 0 || start+n <= len(x); start += PitchHop {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		f := x[start : start+n]
		var e float64
		for _, v := range f {
			e += float64(v) * float64(v)
		}
		maxE = max(maxE, e)
		fr := pitchFrame{start: start, energy: e}
		if e > 0 {
			best := 0.0
			for tau := lagLo - 1; tau <= lagHi+1; tau++ {
				r[tau] = normAutocorr(f, tau)
				if tau >= lagLo && tau <= lagHi {
					best = max(best, r[tau])
				}
			}
			for tau := lagLo; tau <= lagHi; tau++ {
				if r[tau] >= octaveGuard*best && r[tau] >= r[tau-1] && r[tau] >= r[tau+1] && best > 0 {
					// Parabolic interpolation of the peak.
					a, b, c := r[tau-1], r[tau], r[tau+1]
					d := 0.0
					if den := a - 2*b + c; den < 0 {
						d = 0.5 * (a - c) / den
					}
					fr.peak = min(1, b-0.25*(a-c)*d)
					fr.pitch = float64(rate) / (float64(tau) + d)
					break
				}
			}
		}
		frames = append(frames, fr)
	}
	if maxE == 0 {
		return nil, nil
	}
	floor := maxE * math.Pow(10, -pitchFloorDB/10)
	for i := range frames {
		frames[i].loud = frames[i].energy >= floor
	}
	return frames, nil
}

// median returns the median of v (the mean of the middle two for an even
// count), 0 for none. It sorts v.
func median(v []float64) float64 {
	slices.Sort(v)
	return sortedMedian(v)
}

// sortedMedian is median of v sorted already.
func sortedMedian(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	m := len(v) / 2
	if len(v)%2 == 1 {
		return v[m]
	}
	return (v[m-1] + v[m]) / 2
}

// Note is a pitch a clip holds for a while: Hz, and from when to when, in
// seconds (the centres of its first and last frames, ± half a hop).
type Note struct {
	Hz         float64
	Start, End float64
}

// MinNoteFrames is the fewest voiced frames of Periodicity's analysis that
// AnalyzePitch counts as a note: about 0.1 s at 16 kHz.
const MinNoteFrames = 3

// PitchAnalysis is what Periodicity's analysis finds in a clip: its pitch
// and periodicity (as Periodicity returns them) and its notes.
type PitchAnalysis struct {
	Pitch, Periodicity float64 // Hz (0 for none), and 0 … 1
	// Notes, in order of time: runs of at least MinNoteFrames voiced
	// frames (those that give the pitch) whose pitches stay within
	// PitchTolerance of the run's median, each with that median; one frame
	// that is unvoiced or off the pitch does not end a run, two in a row
	// do. A clip whose pitch glides, or that has no steady pitch, has few
	// or none.
	Notes []Note
	// Track is the pitch of every frame that gives one (voiced, as the
	// pitch's median takes them), at the frame's centre, in order of time.
	Track []PitchPoint
}

// PitchPoint is one frame's pitch, Hz, at Seconds into the clip.
type PitchPoint struct{ Seconds, Hz float64 }

// AnalyzePitch is [PeriodicityContext] with the clip's notes and pitch
// track too, from the same frames.
func AnalyzePitch(ctx context.Context, x []float32, rate int, minHz, maxHz float64) (PitchAnalysis, error) {
	frames, err := pitchFrames(ctx, x, rate, minHz, maxHz)
	if err != nil || frames == nil {
		return PitchAnalysis{}, err
	}
	n := min(PitchFrame, len(x))
	a := PitchAnalysis{Notes: notesOf(frames, n, rate)}
	a.Pitch, a.Periodicity = pitchOf(frames)
	for _, fr := range frames {
		if fr.voiced() {
			a.Track = append(a.Track, PitchPoint{Seconds: fr.centre(n, rate), Hz: fr.pitch})
		}
	}
	return a, nil
}

// notesOf is PitchAnalysis.Notes of frames of n samples at rate Hz.
func notesOf(frames []pitchFrame, n, rate int) []Note {
	half := float64(PitchHop) / 2 / float64(rate)
	var notes []Note
	for i := 0; i < len(frames); {
		if !frames[i].voiced() {
			i++
			continue
		}
		run := []float64{frames[i].pitch} // the run's pitches, kept sorted for its median
		last := i                         // the run's last frame
		for j, misses := i+1, 0; j < len(frames) && misses < 2; j++ {
			if f := frames[j]; f.voiced() && math.Abs(f.pitch/sortedMedian(run)-1) <= PitchTolerance {
				k, _ := slices.BinarySearch(run, f.pitch)
				run, last, misses = slices.Insert(run, k, f.pitch), j, 0
			} else {
				misses++
			}
		}
		if len(run) >= MinNoteFrames {
			notes = append(notes, Note{Hz: sortedMedian(run), Start: max(0, frames[i].centre(n, rate)-half), End: frames[last].centre(n, rate) + half})
		}
		i = last + 1 // a frame after the run may start the next
	}
	return notes
}

func constant(x []float64) bool {
	for _, v := range x {
		if v != x[0] {
			return false
		}
	}
	return true
}

// normAutocorr is r(τ) of one frame, 0 where a window has no energy.
func normAutocorr(f []float32, tau int) float64 {
	var xy, xx, yy float64
	for t := 0; t+tau < len(f); t++ {
		a, b := float64(f[t]), float64(f[t+tau])
		xy += a * b
		xx += a * a
		yy += b * b
	}
	if xx == 0 || yy == 0 {
		return 0
	}
	return xy / math.Sqrt(xx*yy)
}

// MaxSecondDifference returns the sharpest change of slope in x: the
// largest |x[t+1] − 2·x[t] + x[t−1]| over t = 1 … len(x)−2, in sample units
// (full scale 1), or 0 when x has fewer than three samples. The second
// difference of a sine of amplitude A and ω radians a sample is
// −4·sin²(ω/2)·x[t], so a smooth sound stays far below a click's.
func MaxSecondDifference(x []float32) float64 {
	var peak float64
	for t := 1; t+1 < len(x); t++ {
		peak = max(peak, math.Abs(secondDifference(x, t)))
	}
	return peak
}

// CountSharperThan returns how many samples t = 1 … len(x)−2 of x have
// |x[t+1] − 2·x[t] + x[t−1]| strictly above threshold: with threshold the
// MaxSecondDifference of a reference, the samples of x that are sharper than
// anything in the reference (clicks, and the hiss of a too-flat
// distribution). A click of one sample of height h on silence counts once when threshold lies between h and 2h (the centre's second
// difference is −2h, its neighbours' h) and three times above that.
func CountSharperThan(x []float32, threshold float64) int {
	count := 0
	for t := 1; t+1 < len(x); t++ {
		if math.Abs(secondDifference(x, t)) > threshold {
			count++
		}
	}
	return count
}

func secondDifference(x []float32, t int) float64 {
	return float64(x[t+1]) - 2*float64(x[t]) + float64(x[t-1])
}

// PitchTolerance is the relative tolerance of RelatePitch: a ratio within
// ±3 % of 1, n or 1/n (about ±51 cents, half a semitone) counts as that.
const PitchTolerance = 0.03

// MaxHarmonic is the highest n for which RelatePitch names a harmonic ×n or
// a subharmonic ×1/n: above it the ±3 % windows of neighbouring harmonics
// cover most ratios, and a match would say little.
const MaxHarmonic = 8

// PitchRelation says how a pitch stands to a reference pitch.
type PitchRelation int

// The relations RelatePitch tells apart. Their String forms are the words
// compare prints and writes to JSON.
const (
	NoPitch     PitchRelation = iota // either pitch is 0 (none found)
	SameNote                         // ratio within ±PitchTolerance of 1
	Harmonic                         // ratio within ±PitchTolerance of n, n = 2 … MaxHarmonic
	Subharmonic                      // ratio within ±PitchTolerance of 1/n, n = 2 … MaxHarmonic
	Unrelated                        // none of those
)

func (r PitchRelation) String() string {
	switch r {
	case NoPitch:
		return "none"
	case SameNote:
		return "note"
	case Harmonic:
		return "harmonic"
	case Subharmonic:
		return "subharmonic"
	case Unrelated:
		return "unrelated"
	}
	return "PitchRelation(" + strconv.Itoa(int(r)) + ")"
}

// RelatePitch classifies pitch hz against the reference pitch refHz (both
// in Hz, 0 for none) by their ratio q = hz/refHz: SameNote when
// |q − 1| ≤ PitchTolerance; Harmonic n when |q/n − 1| ≤ PitchTolerance;
// Subharmonic n when |q·n − 1| ≤ PitchTolerance (n from 2 to MaxHarmonic,
// the integer nearest q or 1/q: the windows do not overlap); Unrelated
// otherwise, and NoPitch when either pitch is
// not positive. n is 1 for SameNote and 0 for NoPitch and Unrelated.
func RelatePitch(refHz, hz float64) (rel PitchRelation, n int) {
	if !(refHz > 0 && hz > 0) {
		return NoPitch, 0
	}
	q := hz / refHz
	if math.Abs(q-1) <= PitchTolerance {
		return SameNote, 1
	}
	if q > 1 {
		if k := math.Round(q); k <= MaxHarmonic && math.Abs(q/k-1) <= PitchTolerance {
			return Harmonic, int(k)
		}
	} else if k := math.Round(1 / q); k <= MaxHarmonic && math.Abs(q*k-1) <= PitchTolerance {
		return Subharmonic, int(k)
	}
	return Unrelated, 0
}
