FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 COOLPAPERS_DATA_DIR=/data
WORKDIR /app
COPY pyproject.toml README.md ./
COPY coolpapers coolpapers
COPY search search
RUN pip install --no-cache-dir .
COPY . .
RUN useradd --create-home --uid 1000 coolpapers && mkdir -p /data && chown coolpapers /data
USER coolpapers
RUN DJANGO_SECRET_KEY=build python manage.py collectstatic --noinput --verbosity 0
EXPOSE 8000
CMD ["gunicorn", "coolpapers.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3"]
