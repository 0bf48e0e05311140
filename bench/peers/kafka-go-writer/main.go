// Command kafka-go-writer measures segmentio/kafka-go's Writer the way bench/ measures ours: the
// same messages (values of -value-bytes, keys "key-<i mod 1000>"), written in synchronous
// WriteMessages calls of -chunk, acks=all, Murmur2Balancer (the Java/kafkajs partitioner, as the
// TypeScript Writer's default). One warm-up round, then -rounds timed rounds.
//
// Output: one JSON object on stdout: {"roundsMs":[...],"callMs":[...]} (every call of every timed
// round, for p50/p99), or the error on stderr and exit status 1.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

func main() {
	brokers := flag.String("brokers", "127.0.0.1:35092", "comma-separated bootstrap addresses")
	topic := flag.String("topic", "", "topic to write to (must exist)")
	messages := flag.Int("messages", 50000, "messages per round")
	valueBytes := flag.Int("value-bytes", 256, "bytes per value")
	chunk := flag.Int("chunk", 1000, "messages per WriteMessages call")
	rounds := flag.Int("rounds", 5, "timed rounds after one warm-up round")
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
	var roundsMs, callMs []float64
	for round := 0; round <= *rounds; round++ {
		start := time.Now()
		for offset := 0; offset < len(msgs); offset += *chunk {
			end := min(offset+*chunk, len(msgs))
			callStart := time.Now()
			if err := w.WriteMessages(ctx, msgs[offset:end]...); err != nil {
				fail(err)
			}
			if round > 0 {
				callMs = append(callMs, ms(time.Since(callStart)))
			}
		}
		if round > 0 {
			roundsMs = append(roundsMs, ms(time.Since(start)))
		}
	}
	out, _ := json.Marshal(map[string][]float64{"roundsMs": roundsMs, "callMs": callMs})
	fmt.Println(string(out))
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
