package knn

import (
	"encoding/binary"
	"hash/crc32"

	"github.com/shopmind/shopmind/internal/binfmt"
)

// The frame of the artefacts under the names the marshal tests use to patch
// and reseal them. The checksum table is built here, not taken from binfmt,
// so that the tests pin CRC-32C independently.
const frameBytes = binfmt.FrameBytes

var (
	le         = binary.LittleEndian
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
)
