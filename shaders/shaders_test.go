package shaders

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// block returns the text of the brace block that opens at or after src[i:].
func block(src string, i int) string {
	open := strings.IndexByte(src[i:], '{')
	if open < 0 {
		return ""
	}
	depth := 0
	for j := i + open; j < len(src); j++ {
		switch src[j] {
		case '{':
			depth++
		case '}':
			if depth--; depth == 0 {
				return src[i+open : j+1]
			}
		}
	}
	return src[i+open:]
}

var (
	fnDecl = regexp.MustCompile(`\bfn\s+(\w+)\s*\(`)
	word   = regexp.MustCompile(`\.?\w+`) // with its dot, a member (wid.x) is not a name
)

// uses returns the words of entry point fn and of the functions it calls,
// as the WGSL compiler finds an entry point's static uses.
func uses(src, fn string) map[string]bool {
	bodies := map[string]string{}
	for _, m := range fnDecl.FindAllStringSubmatchIndex(src, -1) {
		bodies[src[m[2]:m[3]]] = block(src, m[1])
	}
	words := map[string]bool{}
	var visit func(string)
	visit = func(f string) {
		words[f] = true
		for _, w := range word.FindAllString(bodies[f], -1) {
			if w[0] == '.' {
				continue
			}
			if _, isFn := bodies[w]; isFn && !words[w] {
				visit(w)
			}
			words[w] = true
		}
	}
	if _, ok := bodies[fn]; ok {
		visit(fn)
	}
	return words
}

func bindingVar(src string, n int) string {
	m := regexp.MustCompile(fmt.Sprintf(`@binding\(%d\)\s*var<[^>]*>\s*(\w+)`, n)).FindStringSubmatch(src)
	if m == nil {
		return ""
	}
	return m[1]
}

// Each kernel of InPlace has the entry point InPlaceEntry, which uses its
// output and never its input, not even through a function it calls: the
// device leaves that binding out of the pipeline's layout.
func TestInPlaceEntries(t *testing.T) {
	for name, a := range InPlace {
		src, err := Source(name)
		if err != nil {
			t.Fatal(err)
		}
		in, out := bindingVar(src, a.In), bindingVar(src, a.Out)
		if in == "" || out == "" || !strings.Contains(src, "@binding("+fmt.Sprint(a.Out)+") var<storage, read_write>") {
			t.Errorf("%s: no input at @binding(%d) and output at @binding(%d)", name, a.In, a.Out)
			continue
		}
		used := uses(src, InPlaceEntry)
		switch {
		case !used[InPlaceEntry]:
			t.Errorf("%s: no entry point %s", name, InPlaceEntry)
		case used[in]:
			t.Errorf("%s: %s uses %s, the input it runs without", name, InPlaceEntry, in)
		case !used[out]:
			t.Errorf("%s: %s does not use %s", name, InPlaceEntry, out)
		}
		if !uses(src, "main")[in] {
			t.Errorf("%s: main does not use its input %s", name, in)
		}
	}
}

// The constants shared with Go have one definition: the shaders name them
// (MatMulHeader's flags, the device's enumerations) and never repeat their
// values.
func TestNoRepeatedConstants(t *testing.T) {
	mm, err := files.ReadFile("matmul.wgsl")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range matMulFlags {
		if regexp.MustCompile(`\bconst\s+` + f.Name + `\b`).Match(mm) {
			t.Errorf("matmul.wgsl declares flag %s; MatMulHeader does", f.Name)
		}
	}
	if m := regexp.MustCompile(`(flag\(\s*\d|mm_flags\(\)\s*(&|>>)\s*\d)`).Find(mm); m != nil {
		t.Errorf("matmul.wgsl tests a flag by its value: %s", m)
	}
	// Switches on an activation (a, act), a loss kind or an optimizer kind
	// (kind) compare with names; so do loss.wgsl's metric slots of acc.
	subject := regexp.MustCompile(`switch\s*\(?\s*(p\.)?(a|act|kind)\b`)
	literal := []*regexp.Regexp{
		regexp.MustCompile(`\b(act|kind)\s*(==|!=|<=|>=|<|>)\s*\d`),
	}
	loss, _ := files.ReadFile("loss.wgsl")
	if m := regexp.MustCompile(`\bacc\[[^\]]*\d`).Find(loss); m != nil {
		t.Errorf("loss.wgsl: %q repeats the value of a metric slot", m)
	}
	names, _ := fs.Glob(files, "*.wgsl")
	for _, name := range names {
		b, _ := files.ReadFile(name)
		src := string(b)
		for _, m := range subject.FindAllStringIndex(src, -1) {
			if c := regexp.MustCompile(`case\s+\d`).FindString(block(src, m[1])); c != "" {
				t.Errorf("%s: a switch on a gpu enumeration has %q", name, c)
			}
		}
		for _, re := range literal {
			if m := re.FindString(src); m != "" {
				t.Errorf("%s: %q repeats the value of a gpu enumeration", name, m)
			}
		}
	}
}
