"""The first post's lead image: a filled square."""

from ddl_site.art import figure


def draw():
    fig = figure(4.2, 2.1)  # 420 pixels wide: one WebP copy, 400 wide
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_axis_off()
    ax.fill([0.2, 0.8, 0.8, 0.2], [0.2, 0.2, 0.8, 0.8], color="#f5c542")
    return fig
