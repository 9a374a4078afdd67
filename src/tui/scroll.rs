//! A vertical scroll position that can follow the bottom of growing content.

/// Where a scrollable pane is, in rows. `total` and `view` are what the last layout saw,
/// so that key handling (in `update`) and drawing agree on what "the bottom" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    /// The first visible row.
    pub top: usize,
    /// Stick to the bottom as content grows. Set again only by reaching the bottom.
    pub follow: bool,
    /// Visible rows at the last layout.
    pub view: usize,
    /// Content rows at the last layout.
    pub total: usize,
}

impl Default for Scroll {
    fn default() -> Self {
        Scroll::following()
    }
}

impl Scroll {
    /// A scroll that follows the bottom.
    pub fn following() -> Scroll {
        Scroll {
            top: 0,
            follow: true,
            view: 0,
            total: 0,
        }
    }

    /// A scroll that stays at the top.
    pub fn at_top() -> Scroll {
        Scroll {
            follow: false,
            ..Scroll::following()
        }
    }

    /// The largest useful `top`.
    pub fn max_top(&self) -> usize {
        self.total.saturating_sub(self.view)
    }

    /// Up `n` rows; stops following (unless there is nothing to scroll).
    pub fn up(&mut self, n: usize) {
        if self.max_top() == 0 {
            return;
        }
        self.top = self.top.min(self.max_top()).saturating_sub(n);
        self.follow = false;
    }

    /// Down `n` rows; reaching the bottom follows again.
    pub fn down(&mut self, n: usize) {
        self.top = self.top.saturating_add(n).min(self.max_top());
        if self.top >= self.max_top() {
            self.follow = true;
        }
    }

    /// Up one page.
    pub fn page_up(&mut self) {
        self.up(self.view.saturating_sub(1).max(1));
    }

    /// Down one page.
    pub fn page_down(&mut self) {
        self.down(self.view.saturating_sub(1).max(1));
    }

    /// To the first row.
    pub fn to_top(&mut self) {
        self.top = 0;
        self.follow = self.max_top() == 0;
    }

    /// To the last row, following again.
    pub fn to_bottom(&mut self) {
        self.top = self.max_top();
        self.follow = true;
    }

    /// Records a new layout and settles `top`: at the bottom when following, else where it
    /// was (clamped), so a growing stream never moves a view the user scrolled.
    pub fn fit(&mut self, total: usize, view: usize) {
        self.total = total;
        self.view = view;
        self.top = if self.follow {
            self.max_top()
        } else {
            self.top.min(self.max_top())
        };
    }
}

impl Scroll {
    /// Like `fit`, but a following view moves in jumps: it stays put until new rows run
    /// past its bottom, then jumps so the last row sits half-way down. A live listing
    /// growing a row or two per frame then rewrites a few rows per frame instead of
    /// shifting all of them (less terminal output at 30 frames a second).
    pub fn fit_paged(&mut self, total: usize, view: usize) {
        self.total = total;
        self.view = view;
        if !self.follow {
            self.top = self.top.min(self.max_top());
        } else if total <= view {
            self.top = 0;
        } else if total > self.top + view || self.top >= total {
            self.top = total - (view / 2).max(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_until_scrolled_up_and_again_at_the_bottom() {
        let mut s = Scroll::following();
        s.fit(100, 10);
        assert_eq!(s.top, 90);
        s.up(5);
        assert!(!s.follow);
        s.fit(150, 10);
        assert_eq!(s.top, 85, "a scrolled view holds still");
        s.down(1000);
        assert!(s.follow);
        s.fit(200, 10);
        assert_eq!(s.top, 190);
        let mut paged = Scroll::following();
        paged.fit_paged(30, 10);
        assert_eq!(paged.top, 25, "overflowing: the last row half-way down");
        paged.fit_paged(34, 10);
        assert_eq!(paged.top, 25, "still fits: the view holds");
        paged.fit_paged(36, 10);
        assert_eq!(paged.top, 31);
        let mut short = Scroll::following();
        short.fit(3, 10);
        short.up(1);
        assert!(short.follow, "nothing to scroll: still following");
    }
}
