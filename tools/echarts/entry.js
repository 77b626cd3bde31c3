// The ECharts the portal's pages load (static/js/charts.js fetches it when a chart comes near):
// bar and line charts with the grid, tooltip, legend, title and markLine components,
// drawn by the SVG renderer the pages ask for. Core registers the ZH and EN locales.
// Anything a page newly uses must be added here and rebuilt with `make echarts`.
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import {
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
} from "echarts/components";
import { SVGRenderer } from "echarts/renderers";

echarts.use([
  BarChart,
  LineChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  SVGRenderer,
]);

window.echarts = echarts;
