package main

import (
	"debug/elf"
	"os"
	"os/exec"
)

// 5. Binary size.
func (h *harness) benchSize() {
	type row struct {
		name, path, how string
	}
	var rows []row
	if h.hook != nil {
		rows = append(rows, row{"hookinit", h.hook.prefix[0], "`" + h.cfg.build + "` (by scripts/bench.sh, in a scratch directory)"})
	}
	for _, n := range []string{"tini", "tini-static", "dumb-init", "catatonit"} {
		if p, err := exec.LookPath(n); err == nil {
			rows = append(rows, row{n, p, "Debian package"})
		}
	}
	linkage := func(p string) string {
		f, err := elf.Open(p)
		if err != nil {
			return "?"
		}
		defer f.Close()
		l := "static"
		for _, pr := range f.Progs {
			if pr.Type == elf.PT_INTERP {
				l = "dynamic (libc not counted)"
			}
		}
		if f.Section(".symtab") == nil {
			l += ", stripped"
		} else {
			l += ", not stripped"
		}
		return l
	}
	size := func(p string) float64 {
		st, err := os.Stat(p)
		if err != nil {
			return -1
		}
		return float64(st.Size())
	}
	var tiniStatic float64 = -1
	for _, r := range rows {
		if r.name == "tini-static" {
			tiniStatic = size(r.path)
		}
	}
	h.printf("## 5. Binary size\n\n")
	h.printf("File size on disk. The Debian `tini` and `dumb-init` are dynamically linked (they need libc in the image); `tini-static` and `catatonit` are static, like hookinit. The ratio is to `tini-static`, the static tini.\n\n")
	h.printf("| binary | path | how | linkage | size | ratio to tini-static |\n| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		s := size(r.path)
		path := "`" + r.path + "`"
		if r.name == "hookinit" {
			path = "—"
		}
		h.printf("| %s | %s | %s | %s | %s | %s |\n", r.name, path, r.how, linkage(r.path), kib(s/1024), ratio(s, tiniStatic))
	}
	h.printf("\n")
	if h.hook != nil {
		s := size(h.hook.prefix[0])
		h.target("binary size", "≤ 8 MiB", kib(s/1024), s >= 0 && s <= 8<<20, false)
	}
}
