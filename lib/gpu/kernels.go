package gpu

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
)

// ptxFS holds the kernels' PTX, generated from kernels/*.cu by scripts/gpu/ptx.sh and committed.
//
//go:embed kernels/*.ptx
var ptxFS embed.FS

// kernelID names a kernel entry the backend launches.
type kernelID int

// The kernel entries, one per __global__ function of kernels/*.cu.
const (
	kAxpy kernelID = iota
	kUnary
	kUnaryGrad
	kBinaryC
	kBinaryS
	kGather
	kScatter
	kMaskedFill
	kAdamW
	kReduceRows
	kReduceCols
	kSoftmax
	kSoftmaxGrad
	kCERows
	kCEMean
	kCEGrad
	kLayerNorm
	kLayerNormGradX
	kLayerNormGradParams
	kEmbedding
	kEmbeddingGrad
	kSgemm
	kSgemm128
	kDropoutMask
	kCausalSoftmax
	kCausalSoftmaxGrad
	kFlashFwd32
	kFlashFwd64
	kFlashDsum
	kFlashDQ32
	kFlashDQ64
	kFlashDK32
	kFlashDK64
	kFlashDV32
	kFlashDV64
	numKernels
)

// kernelNames are the PTX entry names of the kernels, indexed by kernelID.
var kernelNames = [numKernels]string{
	kAxpy:                "nm_axpy",
	kUnary:               "nm_unary",
	kUnaryGrad:           "nm_unary_grad",
	kBinaryC:             "nm_binary_c",
	kBinaryS:             "nm_binary_s",
	kGather:              "nm_gather",
	kScatter:             "nm_scatter",
	kMaskedFill:          "nm_masked_fill",
	kAdamW:               "nm_adamw",
	kReduceRows:          "nm_reduce_rows",
	kReduceCols:          "nm_reduce_cols",
	kSoftmax:             "nm_softmax",
	kSoftmaxGrad:         "nm_softmax_grad",
	kCERows:              "nm_ce_rows",
	kCEMean:              "nm_ce_mean",
	kCEGrad:              "nm_ce_grad",
	kLayerNorm:           "nm_layernorm",
	kLayerNormGradX:      "nm_layernorm_grad_x",
	kLayerNormGradParams: "nm_layernorm_grad_params",
	kEmbedding:           "nm_embedding",
	kEmbeddingGrad:       "nm_embedding_grad",
	kSgemm:               "nm_sgemm",
	kSgemm128:            "nm_sgemm_128",
	kDropoutMask:         "nm_dropout_mask",
	kCausalSoftmax:       "nm_causal_softmax",
	kCausalSoftmaxGrad:   "nm_causal_softmax_grad",
	kFlashFwd32:          "nm_flash_fwd32",
	kFlashFwd64:          "nm_flash_fwd64",
	kFlashDsum:           "nm_flash_dsum",
	kFlashDQ32:           "nm_flash_dq32",
	kFlashDQ64:           "nm_flash_dq64",
	kFlashDK32:           "nm_flash_dk32",
	kFlashDK64:           "nm_flash_dk64",
	kFlashDV32:           "nm_flash_dv32",
	kFlashDV64:           "nm_flash_dv64",
}

func (k kernelID) String() string { return kernelNames[k] }

// ptxModule is one embedded PTX file and the entries it defines.
type ptxModule struct {
	name    string // e.g. "nn.ptx"
	text    string
	entries []string
}

// ptxModules returns the embedded PTX files in name order with their entry names.
func ptxModules() ([]ptxModule, error) {
	files, err := fs.Glob(ptxFS, "kernels/*.ptx")
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var mods []ptxModule
	for _, f := range files {
		b, err := ptxFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		text := string(b)
		mods = append(mods, ptxModule{name: path.Base(f), text: text, entries: ptxEntries(text)})
	}
	return mods, nil
}

// ptxEntries lists the names of the kernel entries (".entry name(") in PTX text.
func ptxEntries(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		for _, prefix := range []string{".visible .entry ", ".entry "} {
			if rest, ok := strings.CutPrefix(line, prefix); ok {
				if i := strings.IndexAny(rest, "( "); i > 0 {
					out = append(out, rest[:i])
				}
				break
			}
		}
	}
	return out
}

// kernelModules maps every kernel the backend launches to the module defining it, or reports the
// entries that are missing or defined twice.
func kernelModules(mods []ptxModule) (map[kernelID]int, error) {
	where := map[string][]int{}
	for i, m := range mods {
		for _, e := range m.entries {
			where[e] = append(where[e], i)
		}
	}
	out := map[kernelID]int{}
	var problems []string
	for k := kernelID(0); k < numKernels; k++ {
		switch ms := where[kernelNames[k]]; len(ms) {
		case 0:
			problems = append(problems, kernelNames[k]+" is missing")
		case 1:
			out[k] = ms[0]
		default:
			problems = append(problems, kernelNames[k]+" is defined more than once")
		}
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("gpu: embedded PTX does not match the kernel table: %s (run scripts/gpu/ptx.sh)", strings.Join(problems, ", "))
	}
	return out, nil
}

// ptxParams returns the parameter types of a kernel entry in PTX text, e.g. ["u32", "u64", "f32",
// "b8[104]"], or nil when the entry is not there.
func ptxParams(text, entry string) []string {
	i := strings.Index(text, ".entry "+entry+"(")
	if i < 0 {
		return nil
	}
	end := strings.Index(text[i:], ")")
	if end < 0 {
		return nil
	}
	var out []string
	for _, line := range strings.Split(text[i:i+end], "\n")[1:] {
		f := strings.Fields(strings.TrimSuffix(strings.TrimSpace(line), ","))
		if len(f) < 3 || f[0] != ".param" {
			continue
		}
		switch {
		case f[1] == ".align" && len(f) >= 5: // .param .align 4 .b8 name[104]
			name := f[4]
			out = append(out, strings.TrimPrefix(f[3], ".")+name[strings.Index(name, "["):])
		default: // .param .u64 name
			out = append(out, strings.TrimPrefix(f[1], "."))
		}
	}
	return out
}
