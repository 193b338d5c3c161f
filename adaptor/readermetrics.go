package adaptor

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lookup-adaptor/lookup-adaptor/store"
)

var (
	readerUpDesc = prometheus.NewDesc("lookup_adaptor_store_reader_up",
		"Whether lookups read from the reader (1) or it is out (0): a store.read_dsns database.", []string{"reader"}, nil)
	readerLagDesc = prometheus.NewDesc("lookup_adaptor_store_reader_lag_seconds",
		"How long the reader has had changes it has not applied; 0 when it has applied all it has received.", []string{"reader"}, nil)
)

// readerCollector reads a replicated store's readers at each scrape.
type readerCollector struct{ store store.Replicated }

// RegisterReaders registers the metrics of st's readers on reg, when st reads from several
// databases (store.Replicated); otherwise it does nothing.
func RegisterReaders(reg prometheus.Registerer, st store.Store) {
	if r, ok := st.(store.Replicated); ok {
		reg.MustRegister(readerCollector{r})
	}
}

// Describe implements prometheus.Collector.
func (c readerCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- readerUpDesc
	ch <- readerLagDesc
}

// Collect implements prometheus.Collector.
func (c readerCollector) Collect(ch chan<- prometheus.Metric) {
	for _, r := range c.store.Readers() {
		up := 0.0
		if r.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(readerUpDesc, prometheus.GaugeValue, up, r.Name)
		ch <- prometheus.MustNewConstMetric(readerLagDesc, prometheus.GaugeValue, r.Lag.Seconds(), r.Name)
	}
}
