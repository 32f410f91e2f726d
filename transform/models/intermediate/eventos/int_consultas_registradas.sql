-- Consultas of the quality component (QUALIDADE_APS.md section 2.3): individual attendances
-- (FAI) by a médico or enfermeiro in which the citizen took part (presencial, remote, or not
-- informed), with whether it was presencial and, one flag each, whether its problems belong to
-- the condition lists the consultas of C2, C3 and C7 ask for (int_condicoes_avaliadas). One row
-- per FAI.
{%- set condicoes = [
    'puericultura', 'gestacao_c3', 'puerperio', 'saude_sexual_reprodutiva',
    'rastreamento_colo_consulta', 'rastreamento_mama_consulta'
] %}
with

atendimentos as (

    select * from {{ ref('int_atendimentos_registrados') }}
    where
        {{ escopo_municipio() }}
        and tipo_atendimento = 'individual'
        and is_medico_enfermeiro
        and is_participou
        and dt_atendimento is not null

),

condicoes as (

    select * from {{ ref('int_condicoes_avaliadas') }}
    where {{ escopo_municipio() }}

),

condicoes_por_atendimento as (

    select
        co_municipio_ibge,
        co_fat_atd_ind,
        {%- for condicao in condicoes %}
            bool_or(condicao = '{{ condicao }}') as is_{{ condicao }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from condicoes
    group by co_municipio_ibge, co_fat_atd_ind

),

final as (

    select
        atendimentos.co_municipio_ibge,
        atendimentos.co_seq_origem as co_seq_fat_atd_ind,
        atendimentos.co_pessoa,
        atendimentos.dt_atendimento,
        atendimentos.nu_cbo,
        atendimentos.is_presencial,
        {%- for condicao in condicoes %}
            coalesce(condicoes_por_atendimento.is_{{ condicao }}, false) as is_{{ condicao }}
            {%- if not loop.last %},{% endif %}
        {%- endfor %}
    from atendimentos
    left join condicoes_por_atendimento
        on
            atendimentos.co_municipio_ibge = condicoes_por_atendimento.co_municipio_ibge
            and atendimentos.co_seq_origem = condicoes_por_atendimento.co_fat_atd_ind

)

select * from final
