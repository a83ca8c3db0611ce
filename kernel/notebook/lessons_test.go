package notebook

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/notmagic/notmagic/kernel/session"
)

// lessonsDir is the course, relative to this package.
const lessonsDir = "../../lessons"

// chdirTemp runs the rest of the test in a fresh directory (lessons write checkpoints under out/) and
// returns the absolute path of the lessons.
func chdirTemp(t *testing.T) string {
	t.Helper()
	abs, err := filepath.Abs(lessonsDir)
	if err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	return abs
}

// runLesson executes one lesson (a file name in lessons/) in quick mode, as `notmagic notebook -quick`
// does, and checks the structure every lesson promises: a "You will learn" opening, takeaways at the end
// with a "Try this", and at least one figure. after, when not nil, runs with the lesson's session still open.
// NOTMAGIC_LESSON_DUMP=DIR keeps the executed notebook.
func runLesson(t *testing.T, dir, name string, after func(*session.Session) error) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	cells, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cells[0].Source, "You will learn") {
		t.Errorf("first cell does not open with \"You will learn\"")
	}
	if last := cells[len(cells)-1]; last.Kind != "markdown" || !strings.Contains(last.Source, "Takeaways") {
		t.Errorf("last cell is not the takeaways")
	} else if !strings.Contains(last.Source, "**Try this:**") {
		t.Errorf("the takeaways do not end with a \"Try this\": knobs to change and what to expect")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	start := time.Now()
	nb, err := execute(ctx, "lessons/"+name, cells, nil, after)
	elapsed := time.Since(start)
	if dump := os.Getenv("NOTMAGIC_LESSON_DUMP"); dump != "" && nb != nil {
		if b, merr := nb.Marshal(); merr == nil {
			os.WriteFile(filepath.Join(dump, strings.TrimSuffix(name, ".go")+".ipynb"), b, 0o644)
		}
	}
	if err != nil {
		if ce, ok := err.(*CellError); ok {
			t.Fatalf("%v\n%s", ce, ce.Trace)
		}
		t.Fatal(err)
	}
	images := 0
	for _, c := range nb.Cells {
		for _, o := range c.Outputs {
			if _, ok := o.Data["image/png"]; ok {
				images++
			}
		}
	}
	if images == 0 {
		t.Errorf("no figure in the lesson's outputs")
	}
	t.Logf("%s: %d cells, %d figures, %.1fs in quick mode", name, len(cells), images, elapsed.Seconds())
}

// TestLessonsQuick runs every lesson unattended in quick mode through the interpreter session (lesson 8
// runs in TestAttentionClaim, which also checks its result). -short runs lesson 1 only.
func TestLessonsQuick(t *testing.T) {
	files, err := Lessons(lessonsDir)
	if err != nil {
		t.Fatal(err)
	}
	dir := chdirTemp(t)
	t.Setenv("NOTMAGIC_QUICK", "1")
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".go"), func(t *testing.T) {
			if testing.Short() && !strings.HasPrefix(name, "01") {
				t.Skip("-short: only lesson 1")
			}
			if strings.HasPrefix(name, "08_") {
				t.Skip("run by TestAttentionClaim")
			}
			runLesson(t, dir, name, lessonChecks[name])
		})
	}
}

// query runs code in a lesson's session and returns what it printed.
func query(s *session.Session, code string) (string, error) {
	col := &collector{}
	_, err := s.Execute(context.Background(), code, col)
	var out string
	for _, o := range col.outputs() {
		out += joinSource(o.Text)
	}
	return out, err
}

// lessonChecks check what a lesson computed, in its session after its last cell (quick mode).
var lessonChecks = map[string]func(*session.Session) error{
	// Lesson 9: the GPT written out in tensor operations and nn.GPT, loaded with the same weights, agree
	// on the logits and on every weight's gradient to float32 rounding (1e-4; a wrong mask, head split
	// or layer differs by about 1).
	"09_transformer_block.go": func(s *session.Session) error {
		out, err := query(s, `fmt.Println(logitDiff, gradDiff, len(patterns), heads)`)
		if err != nil {
			return err
		}
		var logit, grad float64
		var nPatterns, nHeads int
		if _, err := fmt.Sscan(out, &logit, &grad, &nPatterns, &nHeads); err != nil {
			return fmt.Errorf("reading %q: %v", out, err)
		}
		if logit > 1e-4 || grad > 1e-4 || math.IsNaN(logit) || math.IsNaN(grad) {
			return fmt.Errorf("written-out GPT vs nn.GPT: logits differ by %g, gradients by %g (relative); want ≤ 1e-4", logit, grad)
		}
		if nPatterns != nHeads || nHeads < 2 {
			return fmt.Errorf("%d attention patterns for %d heads", nPatterns, nHeads)
		}
		return nil
	},
	// Lesson 10: the weights-as-compression cell divides the corpus size by the checkpoint's, and the
	// frontier comparison comes out near 77×.
	"10_training_gpt.go": func(s *session.Session) error {
		out, err := query(s, `fmt.Printf("%f %f %f %f", compression, corpusBytes, weightBytes, llamaText/llamaWeights)`)
		if err != nil {
			return err
		}
		var ratio, corpus, weights, llama float64
		if _, err := fmt.Sscan(out, &ratio, &corpus, &weights, &llama); err != nil {
			return fmt.Errorf("reading %q: %v", out, err)
		}
		if corpus < 1e6 || weights < 1e5 || math.Abs(ratio-corpus/weights) > 1e-6*ratio || ratio < 1 || ratio > 10 {
			return fmt.Errorf("compression %.3f from corpus %.0f and weights %.0f bytes", ratio, corpus, weights)
		}
		if math.Abs(llama-77) > 1 {
			return fmt.Errorf("Llama 3.1 405B text/weights = %.1f, want about 77", llama)
		}
		return nil
	},
}

// encoderSeeds trains lesson 8's encoder (with the lesson's functions, in the lesson's session) from the
// lesson's seed (trained already) and two more, and prints per seed: the answers for "it" in the two
// held-out sentences, the resolving head's weights on animal (tired) and street (wide), the same head's
// weights untrained, and the largest weight in any untrained row of "it".
const encoderSeeds = `
for _, seed := range []uint64{encoderSeed, 4, 6} {
	m := encoder
	if seed != encoderSeed {
		m = trainEncoder(seed, encoderSteps, nil)
	}
	u := trainEncoder(seed, 0, nil)
	_, _, _, ansTired := itRows(m, "tired")
	_, _, _, ansWide := itRows(m, "wide")
	h := resolvingHead(m)
	a, w := itOnNouns(m, h)
	ua, uw := itOnNouns(u, h)
	peak := 0.0
	for _, adj := range []string{"tired", "wide"} {
		rows, _, _, _ := itRows(u, adj)
		for _, r := range rows {
			for _, v := range r {
				peak = math.Max(peak, v)
			}
		}
	}
	fmt.Println(seed, ansTired, ansWide, a, w, ua, uw, peak)
}
`

// checkEncoder reads encoderSeeds' lines and checks the encoder's claims for every seed.
func checkEncoder(t *testing.T, out string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("encoder results for %d seeds, want 3: %q", len(lines), out)
	}
	for _, line := range lines {
		var seed int
		var ansT, ansW string
		var a, w, ua, uw, peak float64
		if _, err := fmt.Sscan(line, &seed, &ansT, &ansW, &a, &w, &ua, &uw, &peak); err != nil {
			t.Fatalf("reading %q: %v", line, err)
		}
		t.Logf("encoder seed %d: it = %s / %s; \"it\" on animal %.3f (tired), on street %.3f (wide); untrained %.3f, %.3f, largest untrained weight %.3f",
			seed, ansT, ansW, a, w, ua, uw, peak)
		if ansT != "animal" || ansW != "street" {
			t.Errorf("encoder seed %d: answers %s, %s; want animal, street", seed, ansT, ansW)
		}
		if a < 0.8 || w < 0.8 {
			t.Errorf("encoder seed %d: \"it\" puts %.2f on animal (tired) and %.2f on street (wide); want ≥ 0.8 each", seed, a, w)
		}
		// Flat: 13 positions share each untrained row, 1/13 ≈ 0.077 each; no weight near the trained 0.8.
		if ua >= 0.8 || uw >= 0.8 || peak > 0.2 {
			t.Errorf("encoder seed %d: the untrained rows are not flat: %.2f, %.2f on the nouns, largest weight %.2f", seed, ua, uw, peak)
		}
	}
}

// TestAttentionClaim trains lesson 8's transformer in quick mode, through the lesson's own cells, and
// checks its claims: to resolve "it" in the held-out sentence, the learned attention points at "animal"
// when the animal was tired and at "street" when the street was wide; and in the encoder, for the
// lesson's seed and two more, the row of "it" itself in a head of the last layer puts ≥ 0.8 on the right
// noun for both adjectives, where the untrained model's row is flat.
func TestAttentionClaim(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	dir := chdirTemp(t)
	t.Setenv("NOTMAGIC_QUICK", "1")
	var got, long, encoder string
	check := func(s *session.Session) error {
		var err error
		if got, err = query(s, `fmt.Printf("%s %s %f %f %f %f\n", answerTired, answerWide, tiredOnAnimal, tiredOnStreet, wideOnAnimal, wideOnStreet)`); err != nil {
			return err
		}
		if long, err = query(s, `fmt.Println(distances, windowAcc, attnAcc)`); err != nil {
			return err
		}
		encoder, err = query(s, encoderSeeds)
		return err
	}
	runLesson(t, dir, "08_attention.go", check)
	checkEncoder(t, encoder)
	if t.Failed() {
		return
	}
	longDistances, windowAcc, attnAcc := parseLists(t, long)
	var ansT, ansW string
	var ta, ts, wa, ws float64
	if _, err := fmt.Sscan(got, &ansT, &ansW, &ta, &ts, &wa, &ws); err != nil {
		t.Fatalf("reading the lesson's results %q: %v", got, err)
	}
	t.Logf("tired → %s (attention animal %.2f, street %.2f); wide → %s (animal %.2f, street %.2f)", ansT, ta, ts, ansW, wa, ws)
	if ansT != "animal" || ansW != "street" {
		t.Errorf("answers: tired → %s, wide → %s; want animal, street", ansT, ansW)
	}
	if !(ta > 0.5 && ta > 3*ts) {
		t.Errorf("too tired: attention on animal %.2f, on street %.2f; want most on animal", ta, ts)
	}
	if !(ws > 0.5 && ws > 3*wa) {
		t.Errorf("too wide: attention on street %.2f, on animal %.2f; want most on street", ws, wa)
	}
	// The long-range comparison: the fixed window of 8 tokens finds a key 4 tokens back and guesses
	// (25%) for one 24 back; attention finds it at every distance.
	var near, far float64
	for i, d := range longDistances {
		switch {
		case windowAcc[i] < 0 || attnAcc[i] < 0:
		case d <= 8 && windowAcc[i] < 0.9:
			t.Errorf("window model, key %v back: accuracy %.2f, want ≥ 0.9", d, windowAcc[i])
		case d > 8 && windowAcc[i] > 0.45:
			t.Errorf("window model, key %v back: accuracy %.2f, want near guessing (0.25)", d, windowAcc[i])
		}
		if attnAcc[i] < 0.9 {
			t.Errorf("attention model, key %v back: accuracy %.2f, want ≥ 0.9", d, attnAcc[i])
		}
		if d == 4 {
			near = windowAcc[i]
		}
		if d == 24 {
			far = windowAcc[i]
		}
	}
	t.Logf("long range: window %.2f at 4 tokens, %.2f at 24; attention %v", near, far, attnAcc)
}

// parseLists reads three printed []float64 of equal length, "[a b …] [c d …] [e f …]".
func parseLists(t *testing.T, s string) (x, y, z []float64) {
	t.Helper()
	var lists [][]float64
	for _, part := range strings.Split(strings.TrimSpace(s), "] [") {
		var l []float64
		for _, f := range strings.Fields(strings.Trim(part, "[]")) {
			var v float64
			if _, err := fmt.Sscan(f, &v); err != nil {
				t.Fatalf("reading %q: %v", s, err)
			}
			l = append(l, v)
		}
		lists = append(lists, l)
	}
	if len(lists) != 3 || len(lists[0]) == 0 || len(lists[1]) != len(lists[0]) || len(lists[2]) != len(lists[0]) {
		t.Fatalf("reading three lists of equal length from %q", s)
	}
	return lists[0], lists[1], lists[2]
}
