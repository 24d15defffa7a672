"""Display data from engine results: number formatting, MathML, the diagram's SVG and charts."""
