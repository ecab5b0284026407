package main

import (
	"fmt"

	"github.com/urfave/cli/v2"

	"github.com/tfnids/tfnids/tfgraph"
)

func init() {
	register(&cli.Command{
		Name:  "devices",
		Usage: "list the devices TensorFlow sees (what --device can name)",
		Description: "Lists every device of the linked libtensorflow. A CPU-only library lists only\n" +
			"/device:CPU:0; with a GPU build and a visible GPU, /device:GPU:0 and so on appear.\n" +
			"Pass --device cpu, gpu, gpu:1 or a full device string to train/predict.",
		Action: func(c *cli.Context) error {
			devs, err := tfgraph.ListDevices()
			if err != nil {
				return fmt.Errorf("listing TensorFlow devices: %w", err)
			}
			for _, d := range devs {
				mem := ""
				if d.MemoryLimitBytes > 0 {
					mem = fmt.Sprintf("  memory limit %.1f GiB", float64(d.MemoryLimitBytes)/(1<<30))
				}
				fmt.Fprintf(c.App.Writer, "%-4s %s%s\n", d.Type, d.Name, mem)
			}
			return nil
		},
	})
}
