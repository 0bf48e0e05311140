// Command kafka-go-writer runs segmentio/kafka-go's Writer as a contender of bench/run.ts: the
// same messages (values of -value-bytes, keys "key-<i mod 1000>"), written in synchronous
// WriteMessages calls of -chunk, acks=all, Murmur2Balancer (the Java/kafkajs partitioner, as the
// TypeScript Writer's default).
//
// Protocol (bench/remote-contender.ts): prints "ready"; for each "round" line on stdin it writes
// every message once ("slice I N": the calls of that slice) and prints {"ms": <round>, "callMs":
// [<each call>], "messages": <written>, "cpuMicrosPerMessage": <process CPU per message>}; exits
// when stdin ends.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/segmentio/kafka-go"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:35092", "comma-separated bootstrap addresses")
	topic := flag.String("topic", "", "topic to write to (must exist)")
	messages := flag.Int("messages", 50000, "messages per round")
	valueBytes := flag.Int("value-bytes", 256, "bytes per value")
	chunk := flag.Int("chunk", 1000, "messages per WriteMessages call")
	batchTimeout := flag.Duration("batch-timeout", time.Millisecond, "Writer.BatchTimeout")
	flag.Parse()
	if *topic == "" {
		fail(fmt.Errorf("-topic is required"))
	}

	value := []byte(strings.Repeat("x", *valueBytes))
	msgs := make([]kafka.Message, *messages)
	for i := range msgs {
		msgs[i] = kafka.Message{Key: []byte(fmt.Sprintf("key-%d", i%1000)), Value: value}
	}

	w := &kafka.Writer{
		Addr:     kafka.TCP(strings.Split(*brokers, ",")...),
		Topic:    *topic,
		Balancer: kafka.Murmur2Balancer{},
		// A sync call's partition batches are sent when full or after BatchTimeout; BatchSize as
		// large as a call and a 1 ms timeout is kafka-go at its fastest for calls of this size (the
		// default 1 s timeout would make every call wait a second).
		BatchSize:    *chunk,
		BatchBytes:   1 << 20,
		BatchTimeout: *batchTimeout,
		RequiredAcks: kafka.RequireAll,
		MaxAttempts:  10,
	}
	defer w.Close()

	ctx := context.Background()
	out := bufio.NewWriter(os.Stdout)
	say := func(line string) {
		out.WriteString(line + "\n")
		out.Flush()
	}
	say("ready")
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		calls := roundCalls(msgs, *chunk, in.Text())
		callMs := make([]float64, 0, len(calls))
		sent := 0
		cpuBefore := cpuTime()
		start := time.Now()
		for _, call := range calls {
			callStart := time.Now()
			if err := w.WriteMessages(ctx, call...); err != nil {
				fail(err)
			}
			callMs = append(callMs, ms(time.Since(callStart)))
			sent += len(call)
		}
		elapsed := time.Since(start)
		cpuMicrosPerMessage := float64((cpuTime() - cpuBefore).Microseconds()) / float64(max(sent, 1))
		answer, _ := json.Marshal(map[string]any{
			"ms": ms(elapsed), "callMs": callMs, "cpuMicrosPerMessage": cpuMicrosPerMessage, "messages": sent,
		})
		say(string(answer))
	}
}

// roundCalls splits the workload into calls of `chunk` and answers the calls a command asks for:
// "round" all of them, "slice I N" those from I*calls/N up to (I+1)*calls/N (bench/contender.ts).
func roundCalls(msgs []kafka.Message, chunk int, command string) [][]kafka.Message {
	var calls [][]kafka.Message
	for offset := 0; offset < len(msgs); offset += chunk {
		calls = append(calls, msgs[offset:min(offset+chunk, len(msgs))])
	}
	if command == "round" {
		return calls
	}
	var index, of int
	if n, err := fmt.Sscanf(command, "slice %d %d", &index, &of); err != nil || n != 2 || of < 1 || index < 0 || index >= of {
		fail(fmt.Errorf("unknown command %q", command))
	}
	return calls[index*len(calls)/of : (index+1)*len(calls)/of]
}

// cpuTime is the process's user + system CPU time so far (every goroutine, GC included).
func cpuTime() time.Duration {
	var usage syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &usage); err != nil {
		fail(err)
	}
	return time.Duration(usage.Utime.Nano() + usage.Stime.Nano())
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
