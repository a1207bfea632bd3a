"""Figures for officials: /stats, `gridbot stats`, the chart, the daily digest, CSV exports."""
