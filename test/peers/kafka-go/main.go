// Command kafka-go-balancers prints the partition kafka-go's own balancers choose for each key,
// so the TypeScript balancers can be checked against the real thing.
//
// Input (stdin), one key per line: "=" followed by the key in hex ("=" alone is the empty key),
// or "-" for a nil key. Arguments: partition counts. Output, one line per count and key:
//
//	<count> <line index> <Hash> <ReferenceHash> <CRC32Balancer> <Murmur2Balancer>
//
// separated by tabs. One balancer of each kind per partition count sees every key in input
// order, so stateful fallbacks (Hash's round robin for nil keys) are reproducible.
package main

import (
	"bufio"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"

	"github.com/segmentio/kafka-go"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: kafka-go-balancers <partition count>... < keys")
	}
	var counts []int
	for _, arg := range os.Args[1:] {
		count, err := strconv.Atoi(arg)
		if err != nil || count < 1 {
			fail(fmt.Sprintf("bad partition count %q", arg))
		}
		counts = append(counts, count)
	}

	var keys [][]byte
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 1<<24)
	for scanner.Scan() {
		line := scanner.Text()
		switch {
		case line == "-":
			keys = append(keys, nil)
		case len(line) > 0 && line[0] == '=':
			key, err := hex.DecodeString(line[1:])
			if err != nil {
				fail(fmt.Sprintf("line %d: %v", len(keys)+1, err))
			}
			if key == nil {
				key = []byte{} // an empty key, distinct from nil
			}
			keys = append(keys, key)
		default:
			fail(fmt.Sprintf("line %d: want \"-\" or \"=<hex>\", got %q", len(keys)+1, line))
		}
	}
	if err := scanner.Err(); err != nil {
		fail(err.Error())
	}

	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, count := range counts {
		partitions := make([]int, count)
		for i := range partitions {
			partitions[i] = i
		}
		hash := &kafka.Hash{}
		referenceHash := &kafka.ReferenceHash{}
		crc32 := kafka.CRC32Balancer{}
		murmur2 := kafka.Murmur2Balancer{}
		for i, key := range keys {
			msg := kafka.Message{Key: key}
			fmt.Fprintf(out, "%d\t%d\t%d\t%d\t%d\t%d\n", count, i,
				hash.Balance(msg, partitions...),
				referenceHash.Balance(msg, partitions...),
				crc32.Balance(msg, partitions...),
				murmur2.Balance(msg, partitions...))
		}
	}
}

func fail(message string) {
	fmt.Fprintln(os.Stderr, "kafka-go-balancers:", message)
	os.Exit(2)
}
