/** One plotly trace, as serialised into the report. */
export interface ChartTrace {
  type: "scatter";
  mode: "lines";
  name: string;
  x: number[];
  y: Array<number | null>;
  legendgroup: string;
  legendgrouptitle?: { text: string };
  yaxis?: "y2";
  line: { color: string; width?: number; dash?: "dash" | "dot" | "dashdot"; shape?: "hv" };
  visible?: "legendonly";
  connectgaps?: boolean;
  hovertemplate?: string;
}

/** One chart of the report: a title, its traces, the axis titles. */
export interface ChartSpec {
  id: string;
  title: string;
  /** What the chart is for, in one line under its title. */
  description: string;
  yTitle: string;
  y2Title?: string;
  /** The left axis counts whole things (workers): integer ticks only. */
  yCounts?: boolean;
  /** The right axis counts whole things (runs): integer ticks only. */
  y2Counts?: boolean;
  traces: ChartTrace[];
}
