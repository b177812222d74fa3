import { Area, AreaChart, Tooltip, XAxis, YAxis } from 'recharts';
import type { UsagePoint } from '@/types/api';
import { formatDate, formatDateTime } from '@/utils/format';
import { formatQuantity, metricLabel } from '@/utils/metrics';

type UsageChartProps = {
  metric: string;
  points: UsagePoint[];
  periodStart: string;
  periodEnd: string;
};

const chartHeight = 72;

export function UsageChart({ metric, points, periodStart, periodEnd }: UsageChartProps) {
  const data = points.map((point) => ({ at: Date.parse(point.at), value: point.cumulative }));
  const latest = points[points.length - 1];
  const label = `${metricLabel(metric)} over the period`;
  return (
    <figure className="usage-chart" aria-label={label}>
      {/* The chart is a picture; this sentence is what a screen reader gets instead. */}
      <figcaption className="visually-hidden">
        {label}: {points.length} hourly points
        {latest && `, ${formatQuantity(latest.cumulative, metric)} at ${formatDateTime(latest.at)}`}.
      </figcaption>
      <AreaChart
        responsive
        style={{ width: '100%', height: chartHeight }}
        data={data}
        margin={{ top: 4, right: 0, bottom: 0, left: 0 }}
        aria-hidden="true"
        accessibilityLayer={false}
      >
        <XAxis
          dataKey="at"
          type="number"
          scale="time"
          domain={[Date.parse(periodStart), Date.parse(periodEnd)]}
          hide
        />
        <YAxis hide domain={[0, 'auto']} />
        <Tooltip
          labelFormatter={(at) => formatDate(new Date(Number(at)).toISOString())}
          formatter={(value) => [formatQuantity(Number(value), metric), metricLabel(metric)]}
        />
        <Area type="stepAfter" dataKey="value" stroke="var(--meter-color)" fill="var(--meter-color)" fillOpacity={0.15} isAnimationActive={false} />
      </AreaChart>
    </figure>
  );
}
